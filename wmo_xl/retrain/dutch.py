"""The Controle sheet speaks Dutch: the core's input messages, said again in Dutch.

The input rules (:mod:`wmo_xl.inputs`) refuse a value with an English one-line message that
the CLI shows as is. The Controle sheet is an Excel sheet, so its reasons are Dutch: each
message form of those rules has its Dutch form here, with the value and the suggestion it
carries. A message without a Dutch form (a new rule) still reads as Dutch: "ongeldige
waarde", never a half-English line.
"""

from __future__ import annotations

import re

_V = r"(?P<v>.+?)"

#: (English message form, Dutch form); groups: v = the value as echoed, a/b = suggestions.
_FORMS: list[tuple[str, str]] = [
    (rf"^{_V} is TRUE/FALSE, not a number: give a number$", "{v} is WAAR/ONWAAR, geen getal: geef een aantal"),
    (rf"^{_V} is a date, not a number: format the cell as a number$", "{v} is een datum, geen getal: maak de cel een getal"),
    (rf"^{_V} is not a number: give a number like 1490 or 32,40$", "{v} is geen getal: geef een getal zoals 1490 of 32,40"),
    (rf"^{_V} is not a number$", "{v} is geen getal"),
    (rf"^{_V} is not certain \(thousands or decimals\?\): write (?P<a>\S+) for the whole number, or (?P<b>\S+) for the decimal number$",
     "{v} is niet eenduidig (duizendtallen of decimalen?): schrijf {a} voor het hele getal of {b} voor het decimale getal"),
    (rf"^{_V} is not certain \(thousands separators\): write it without them, e\.g\. (?P<a>\S+)$",
     "{v} is niet eenduidig (scheidingstekens voor duizendtallen): schrijf het zonder, bv. {a}"),
    (rf"^{_V} is not certain \(English or Dutch notation\?\): write (?P<a>\S+) without thousands separators$",
     "{v} is niet eenduidig (Engelse of Nederlandse notatie?): schrijf {a} zonder scheidingstekens voor duizendtallen"),
    (rf"^{_V} is a percentage: give a plain number$", "{v} is een percentage: geef een gewoon getal"),
    (rf"^{_V} is not a finite number$", "{v} is geen eindig getal"),
    (rf"^{_V} is not a whole number$", "{v} is geen heel getal"),
    (rf"^{_V} is negative: give 0 or more$", "{v} is negatief: geef 0 of meer"),
    (rf"^{_V} is outside (?P<a>\S+) to (?P<b>\S+)$", "{v} ligt buiten {a} tot en met {b}"),
    (rf"^{_V} is outside (?P<a>\d+)-(?P<b>\d+)$", "{v} ligt buiten {a}-{b}"),
    (r"^is empty: give a number$", "leeg: geef een aantal"),
    (r"^is empty: give a year like 2025$", "leeg: geef een jaartal zoals 2025"),
    (rf"^{_V} is not a year: give a whole number like 2025$", "{v} is geen jaartal: geef een heel getal zoals 2025"),
    (rf"^{_V} is not a whole year: give a year like 2025$", "{v} is geen heel jaartal: geef een jaar zoals 2025"),
    (rf"^unknown category {_V}: accepted are (?P<a>.+)$", "onbekende categorie {v}: toegestaan zijn {a}"),
    (rf"^code {_V} is not text: expected a wijk code like WK051801 or a gemeente code like GM0518$",
     "{v} is geen tekst: verwacht een wijkcode zoals WK051801"),
    (r"^empty code: expected a wijk code like WK051801 or a gemeente code like GM0518$", "lege wijkcode"),
]
_COMPILED = [(re.compile(p), nl) for p, nl in _FORMS]


def dutch(message: str) -> str:
    """The Dutch form of one input message (the field label, if any, is dropped: the
    Controle sheet names the column itself)."""
    text = message.strip()
    for label in ("clienten ", "clients ", "jaar ", "year ", "wijk "):
        if text.startswith(label):
            text = text[len(label):]
            break
    for pattern, nl in _COMPILED:
        m = pattern.match(text)
        if m:
            return nl.format(**m.groupdict())
    return "ongeldige waarde"
