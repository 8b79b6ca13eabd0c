"""Fill the English catalogue: a message without an English translation gets its msgid.

The msgids are English already, so the English catalogue is mostly their copy; the few
messages whose msgid holds the committee's French words ("compte rendu", examples of the
documents' wording) are translated by hand, and kept. Run by `make messages` after
makemessages; tests/ctn/test_i18n.py checks that both catalogues are complete.

Usage: python locale/english.py locale/en/LC_MESSAGES/django.po
"""

import json
import re
import sys


def _unquote(lines):
    return "".join(json.loads(line) for line in lines)


def _quote(text):
    return json.dumps(text, ensure_ascii=False)


def _fields(lines):
    fields, current = {}, None
    for line in lines:
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
        if match:
            current = match.group(1)
            fields[current] = [match.group(2)]
        elif line.startswith('"') and current:
            fields[current].append(line)
    return {name: _unquote(value) for name, value in fields.items()}


def fill(text):
    """The catalogue `text` with every empty or fuzzy translation set to its msgid."""
    blocks = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        fields = _fields(lines)
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        translations = [value for name, value in fields.items() if name.startswith("msgstr")]
        if not fields.get("msgid") or not (fuzzy or not any(translations)):
            blocks.append(block)
            continue
        kept = []
        in_msgstr = False
        for line in lines:
            if line.startswith("msgstr"):
                in_msgstr = True
                continue
            if in_msgstr and line.startswith('"'):
                continue
            in_msgstr = False
            if line.startswith("#| "):
                continue
            if line.startswith("#,"):
                flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() != "fuzzy"]
                if not flags:
                    continue
                line = "#, " + ", ".join(flags)
            kept.append(line)
        if "msgid_plural" in fields:
            kept.append(f"msgstr[0] {_quote(fields['msgid'])}")
            kept.append(f"msgstr[1] {_quote(fields['msgid_plural'])}")
        else:
            kept.append(f"msgstr {_quote(fields['msgid'])}")
        blocks.append("\n".join(kept))
    return "\n\n".join(blocks)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as po:
            filled = fill(po.read())
        with open(path, "w", encoding="utf-8") as po:
            po.write(filled)
