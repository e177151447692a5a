"""Parses one RFC 5322/MIME message with Python's email package and prints it as JSON.

    mail-parse.py FILE|-

Why: tests check the bytes ebbflow writes with a parser that is not ebbflow's own. Prints
{"headers": [[name, decoded value], ...], "parts": [{"content_type", "charset", "transfer_encoding",
"body"}], "defects": [...], "seven_bit": bool, "longest_line": n}: headers decoded (RFC 2047),
bodies decoded (quoted-printable, base64) to text with LF line ends, every defect the parser noted.
"""

import email
import email.policy
import json
import sys


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "-"
    data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    message = email.message_from_bytes(data, policy=email.policy.default)
    defects = [type(d).__name__ for d in message.defects]
    parts = []
    for part in message.walk():
        defects += [type(d).__name__ for d in part.defects]
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            # Line ends as LF: the tests compare with the text they gave (the wire has CRLF).
            "body": part.get_content().replace("\r\n", "\n"),
        })
    lines = data.split(b"\r\n")
    print(json.dumps({
        "headers": [[name, str(value)] for name, value in message.items()],
        "content_type": message.get_content_type(),
        "parts": parts,
        "defects": defects,
        "seven_bit": all(b < 128 for b in data),
        "crlf_only": b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b""),
        "longest_line": max(len(line) for line in lines),
    }))


if __name__ == "__main__":
    main()
