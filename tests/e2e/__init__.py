"""End-to-end tests that drive real programs (sshd, ssh, tmux) around the app."""
