#!/usr/bin/env python3
"""Read back the messages tests/integration/injection.sh made noshowd write (every file in
the directory given) and check each header block the way a receiving MTA and a mail client
would: CRLF line ends only, nothing but printable ASCII in headers, every line a field or a
continuation, the expected fields once each and no other, and the hostile values readable
after RFC 2047 decoding (line breaks and control characters made spaces). The invitation's
text/calendar part must still be one VEVENT whose SUMMARY holds the whole title.
Prints what is wrong; exit 1 if anything is."""
import email
import email.policy
import os
import re
import sys

from email.header import decode_header, make_header

ALLOWED = {'from', 'to', 'reply-to', 'subject', 'date', 'message-id', 'mime-version',
           'content-type', 'content-transfer-encoding', 'content-language',
           'x-noshowd-ref', 'x-noshowd-kind', 'auto-submitted', 'bcc', 'dkim-signature',
           'x-mailer', 'content-disposition'}
ONCE = ('from', 'to', 'subject', 'date', 'message-id')
CONTROL = re.compile(r'[\x00-\x1f\x7f]')
problems = []


def bad(path, what):
    problems.append(f'{os.path.basename(path)}: {what}')


def decoded(v):
    return str(make_header(decode_header(v)))


def check(path, trainer_bcc):
    raw = open(path, 'rb').read()
    if re.search(rb'(?<!\r)\n|\r(?!\n)', raw):
        bad(path, 'a bare CR or LF (lines must end in CRLF)')
    head = raw.split(b'\r\n\r\n', 1)[0]
    names = []
    for line in head.split(b'\r\n'):
        if re.search(rb'[^\x20-\x7e\t]', line):
            bad(path, f'a header line with a control or 8-bit byte: {line[:80]!r}')
        if line[:1] in (b' ', b'\t'):
            continue
        m = re.match(rb'([!-9;-~]+):', line)
        if not m:
            bad(path, f'a header line that is neither a field nor a continuation: {line[:80]!r}')
            continue
        names.append(m.group(1).decode().lower())
    for n in names:
        if n not in ALLOWED:
            bad(path, f'an unexpected header field {n!r}')
    for n in ONCE:
        if names.count(n) != 1:
            bad(path, f'{n} appears {names.count(n)} times')
    if names.count('bcc') > trainer_bcc:
        bad(path, 'a Bcc field')
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = decoded(msg['Subject'])
    to, frm = (email.utils.parseaddr(re.sub(r'\r\n[ \t]', ' ', msg[h])) for h in ('To', 'From'))
    to, frm = (decoded(to[0]), to[1]), (decoded(frm[0]), frm[1])
    for what, v in (('Subject', subject), ('To', to[0]), ('From', frm[0])):
        if CONTROL.search(v):
            bad(path, f'{what} decodes to a control character: {v!r}')
    if frm != ('Bakker, "Sanne" <boss@example.org> Zoë', 'sanne@example.nl'):
        bad(path, f'From reads back as {frm!r}')
    return msg, subject, to


def calendar_ok(path, msg):
    for part in msg.walk():
        if part.get_content_type() != 'text/calendar':
            continue
        text = part.get_payload(decode=True).decode('utf-8')
        unfolded = re.sub(r'\r\n[ \t]', '', text)
        lines = unfolded.split('\r\n')
        if sum(1 for l in lines if l == 'BEGIN:VEVENT') != 1:
            bad(path, 'the invitation does not hold exactly one VEVENT')
        props = [l.split(':', 1)[0].split(';', 1)[0] for l in lines if l]
        for p in props:
            if p.upper() in ('BCC', 'X-EVIL', 'TO'):
                bad(path, f'the invitation has a property {p!r} made from a value')
        summary = [l for l in lines if l.startswith('SUMMARY')]
        if len(summary) != 1 or 'Bcc: evil@example.org' not in summary[0]:
            bad(path, f'the invitation SUMMARY lost the title: {summary!r}')
        return True
    return False


def main(d):
    files = sorted(os.listdir(d))
    if not files:
        print('no messages in', d)
        return 1
    want = {
        'ann@example.nl': ('Ann de Vries-Zoë', ['Yoga Bcc: evil@example.org X-Evil: 1 Zoë']),
        'eve@example.nl': ('=?utf-8?q?Forged?= Eve', ['Yoga Bcc']),
        'bob@example.nl': ('Bob Bcc: evil@example.org', ['Pilates "advanced" (Zoë), <b>']),
        'cas@example.nl': ('Cas X-Evil: 1', ['Pilates']),
        'dirk@example.nl': ('=?utf-8?b?RXZpbA==?= Dirk Émile 日本 ' + 'x' * 90, ['Pilates']),
    }
    seen = set()
    for f in files:
        path = os.path.join(d, f)
        msg, subject, to = check(path, 0)
        addr = to[1]
        seen.add(addr)
        if addr not in want:
            bad(path, f'a message to {to!r}')
            continue
        name, parts = want[addr]
        if to[0] != name:
            bad(path, f'To reads back as {to[0]!r}, not {name!r}')
        for p in parts + [name]:
            if p not in subject:
                bad(path, f'the Subject {subject!r} lacks {p!r}')
        if addr == 'ann@example.nl' and not calendar_ok(path, msg):
            bad(path, 'no invitation part')
    if seen != set(want):
        problems.append(f'messages to {sorted(seen)}, wanted {sorted(want)}')
    for p in problems:
        print(p)
    print(f'{len(files)} messages checked, {len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
