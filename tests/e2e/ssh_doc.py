"""docs/ssh.md as data: the test builds its sshd configuration, account and keys from
the page's own blocks, so that the page is what the test proves."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "ssh.md"
_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```", re.M | re.S)
#: an authorized_keys line: options (quoted parts may hold spaces), type, key, comment
_KEY_LINE = re.compile(
    r'^(?:(?P<options>(?:[^ "]|"[^"]*")+) )?'
    r"(?P<type>ssh-\S+|ecdsa-\S+) (?P<key>\S+) (?P<comment>\S+)$"
)
#: the accounts the page sets up
DOC_ACCOUNTS = ("gridsup", "gridview")


@dataclass(frozen=True)
class KeyLine:
    """One line of an authorized_keys block."""

    options: str
    comment: str

    @property
    def person(self) -> str:
        """Whose key: the comment's name (``wang`` of ``wang@laptop``)."""
        return self.comment.partition("@")[0]

    def with_key(self, public_key: str) -> str:
        """This line with ``public_key`` (``type base64 [comment]``) in place of the
        page's placeholder."""
        kind, blob = public_key.split()[:2]
        head = f"{self.options} " if self.options else ""
        return f"{head}{kind} {blob} {self.comment}"


class SshDoc:
    """The blocks of docs/ssh.md, with the page's names and paths swapped for the
    test's by :meth:`local`."""

    def __init__(self, text: str, swaps: dict[str, str], account: str) -> None:
        self.text = text
        self.swaps = swaps
        self.account = account

    @classmethod
    def read(cls, swaps: dict[str, str], account: str) -> SshDoc:
        """The page, with ``swaps`` (page path → test path) and every account of the
        page renamed ``account``."""
        return cls(DOC.read_text(encoding="utf-8"), swaps, account)

    def local(self, text: str) -> str:
        """``text`` with the test's paths and account."""
        for page, test in self.swaps.items():
            text = text.replace(page, test)
        names = "|".join(DOC_ACCOUNTS)
        return re.sub(rf"\b(?:{names})\b(?!-)", self.account, text)

    def blocks(self, info: str) -> list[str]:
        """The bodies of the fenced blocks tagged ``info``, as on the page."""
        return [m["body"] for m in _FENCE.finditer(self.text) if m["info"].strip() == info]

    def match_block(self, account: str) -> str:
        """The ``Match User <account>`` block of the page, localised."""
        for body in self.blocks("sshd_config"):
            if body.startswith(f"Match User {account}\n"):
                return self.local(body)
        raise AssertionError(f"docs/ssh.md has no `Match User {account}` block")

    def keys(self) -> dict[str, KeyLine]:
        """Every authorized_keys line of the page by person, localised."""
        found: dict[str, KeyLine] = {}
        for body in self.blocks("authorized_keys"):
            for line in body.splitlines():
                m = _KEY_LINE.match(line.strip())
                if m is None:
                    raise AssertionError(f"docs/ssh.md: not an authorized_keys line: {line}")
                key = KeyLine(self.local(m["options"] or ""), m["comment"])
                found[key.person] = key
        return found

    def account_commands(self) -> list[list[str]]:
        """The commands of step 2 (the block that starts with ``useradd``), localised
        and split as the shell would."""
        for body in self.blocks("sh"):
            if body.startswith("useradd "):
                commands = [shlex.split(self.local(line)) for line in body.splitlines()]
                for argv in commands:
                    # run as root: only what the account step may do
                    assert argv[0] in {"useradd", "usermod", "install"}, argv
                return commands
        raise AssertionError("docs/ssh.md has no block starting with `useradd`")
