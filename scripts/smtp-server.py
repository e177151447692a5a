"""The test SMTP server behind scripts/smtp-server (read that file for the options and recipients)."""

import argparse
import asyncio
import itertools
import json
import os
import ssl
import subprocess
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

COUNTER = itertools.count(1)


def make_certificates(directory):
    """A test CA and a server certificate for 127.0.0.1 and localhost, made once per directory."""
    os.makedirs(directory, exist_ok=True)
    ca_key, ca_pem = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr, pem = (os.path.join(directory, name) for name in ("server.key", "server.csr", "server.pem"))
    if os.path.exists(pem):
        return pem, key
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_pem,
                    "-days", "30", "-subj", "/CN=ebbflow test CA"], **quiet)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=localhost"], **quiet)
    extensions = os.path.join(directory, "server.ext")
    with open(extensions, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
                    "-out", pem, "-days", "30", "-extfile", extensions], **quiet)
    return pem, key


class Handler:
    def __init__(self, directory, pipelining):
        self.directory = directory
        self.pipelining = pipelining

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.lower().startswith("reject"):
            return "553 5.7.1 Sender address rejected"
        # Commands already waiting behind MAIL were sent without waiting for its reply.
        buffered = bytes(getattr(server._reader, "_buffer", b""))
        envelope.pipelined = b"RCPT" in buffered.upper()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.lower()
        if not (local.startswith("tempfail-data") or local.startswith("reject-data")):
            if local.startswith("tempfail"):
                return "450 4.2.1 Mailbox temporarily unavailable"
            if local.startswith("reject"):
                return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0].lower()
        if recipient.startswith("tempfail-data"):
            return "451 4.3.0 Try again later"
        if recipient.startswith("reject-data"):
            return "554 5.6.0 Message content rejected"
        if recipient.startswith("drop"):
            server.transport.abort()
            await asyncio.sleep(3600)
        if recipient.startswith("stall"):
            # Never answers the data: the client's timeout must end it.
            await asyncio.sleep(3600)
        number = next(COUNTER)
        name = f"{number:06d}"
        metadata = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "connection": "%s:%s" % tuple(session.peer[:2]),
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "ehlo": session.host_name,
            "pipelined": getattr(envelope, "pipelined", False),
            "mail_options": envelope.mail_options,
        }
        path = os.path.join(self.directory, name)
        with open(path + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(path + ".json.tmp", "w") as f:
            json.dump(metadata, f)
        # The .json appears last, so a reader that sees it finds the .eml complete.
        os.rename(path + ".eml.tmp", path + ".eml")
        os.rename(path + ".json.tmp", path + ".json")
        return f"250 2.0.0 OK queued as {name}"


class PostfixLikeSMTP(SMTP):
    """Says 421 before closing an idle connection, as Postfix does (aiosmtpd closes silently)."""

    silent_idle_close = False

    def _timeout_cb(self):
        if not self.silent_idle_close and self.transport is not None:
            self.transport.write(b"421 4.4.2 ebbflow-test-smtp Error: timeout exceeded\r\n")
        super()._timeout_cb()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth", help="USER:PASSWORD")
    parser.add_argument("--auth-mechanisms", default="PLAIN,LOGIN")
    parser.add_argument("--no-pipelining", action="store_true")
    parser.add_argument("--idle-timeout", type=float, default=300)
    parser.add_argument("--silent-idle-close", action="store_true")
    parser.add_argument("--size-limit", type=int, default=None, help="SIZE announced and enforced (bytes)")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    context = None
    if args.starttls or args.implicit_tls:
        certificate, key = make_certificates(os.path.join(args.dir, "tls"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, key)

    credentials = None
    if args.auth:
        user, _, password = args.auth.partition(":")
        credentials = (user.encode(), password.encode())

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == credentials
        # handled=False: aiosmtpd then answers a failure itself (535); auth_data is what the
        # accepted messages' metadata reports as the login.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    offered = {name.strip().upper() for name in args.auth_mechanisms.split(",") if name.strip()}
    handler = Handler(args.dir, not args.no_pipelining)

    PostfixLikeSMTP.silent_idle_close = args.silent_idle_close

    def factory():
        return PostfixLikeSMTP(
            handler,
            hostname="ebbflow-test-smtp",
            tls_context=context if args.starttls else None,
            require_starttls=bool(args.starttls),
            authenticator=authenticator if credentials else None,
            auth_required=bool(credentials),
            auth_require_tls=not (args.starttls is False and args.implicit_tls is False),
            auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN") if m not in offered],
            timeout=args.idle_timeout,
            **({"data_size_limit": args.size_limit} if args.size_limit is not None else {}),
        )

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, host="127.0.0.1", port=args.port, ssl=context if args.implicit_tls else None)
        port = server.sockets[0].getsockname()[1]
        print(f"listening on {port}", flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
