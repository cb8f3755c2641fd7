"""One small SMTP server on 127.0.0.1 for the tests that send real mail over SMTP: the
production-configured run (tests/production/) and the mail-server-down tests
(tests/robustness/test_mail_server_down.py). Django's own SMTP backend talks to it, so messages
really cross a socket and are parsed back with the standard library's e-mail parser."""

from __future__ import annotations

import email
import email.message
import email.policy
import re
import socket
import socketserver
import threading
from dataclasses import dataclass


@dataclass
class Mail:
    to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return " ".join(str(self.message["Subject"]).split())

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


class _Session(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server: SMTPServer = self.server.owner
        if server.mode == "421":
            self.reply("421 4.3.2 Service not available, closing channel")
            return
        if server.mode == "silent":
            server.closing.wait(30)  # never greets: the client times out
            return
        self.reply("220 test.invalid ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").rstrip("\r\n")
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test.invalid")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                address = re.search(r"<(.*?)>", command).group(1)
                if address in server.refuse:
                    self.reply("451 4.3.0 Try again later")
                else:
                    recipients.append(address)
                    self.reply("250 2.1.5 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                message = email.message_from_bytes(b"".join(data), policy=email.policy.default)
                with server.lock:
                    server.received.append(Mail(to=recipients, message=message))
                self.reply("250 2.0.0 Queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 2.0.0 OK")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Command not recognised")


class SMTPServer:
    """``mode``: "up" (keeps every message, but answers 451 to the addresses in ``refuse``),
    "421" (refuses every session) or "silent" (accepts the connection, never answers)."""

    def __init__(self, mode: str = "up", refuse: set[str] = frozenset()):
        self.mode = mode
        self.refuse = set(refuse)
        self.received: list[Mail] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Session)
        self.server.daemon_threads = True
        self.server.owner = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def mails_to(self, address: str) -> list[Mail]:
        with self.lock:
            return [mail for mail in self.received if address in mail.to]

    def mails(self) -> list[tuple[str, str]]:
        """(envelope recipient, subject) of each message received, sorted."""
        with self.lock:
            return sorted((address, mail.subject) for mail in self.received for address in mail.to)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (the kernel just gave it out and it is free)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
