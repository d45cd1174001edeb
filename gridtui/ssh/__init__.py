"""``gridtui ssh-serve``: the command centre over SSH for holders of a registered key,
with no account on the machine (asyncssh).

- :mod:`~gridtui.ssh.hostkey`: the server's host key, made once and kept;
- :mod:`~gridtui.ssh.keyfile`: reading a person's public key file;
- :mod:`~gridtui.ssh.server`: authentication by the keys in the database, what is
  refused (exec, subsystems, forwarding), the session limits;
- :mod:`~gridtui.ssh.session`: one app per session, a ``gridtui tui`` child on its
  own pseudo-terminal, bytes pumped both ways, resized with the client's window.

The server never imports the UI: each app is a child process.
"""
