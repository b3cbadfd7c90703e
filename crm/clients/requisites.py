"""Russian company requisites: INN, KPP, OGRN(IP), BIK, bank accounts and phone numbers.

Pure functions: each checker takes the text a user typed, returns the normalised value or raises
ValidationError; the generators build valid values for demo data.
"""

import operator
import random
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INN_LEGAL_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_PERSON_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_PERSON_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
ACCOUNT_WEIGHTS = (7, 1, 3)
KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
# A trailing extension: "доб. 123", "доб 123", "ext. 12", "x12", "#12".
EXTENSION_RE = re.compile(
    r"^(?P<number>.*?)[\s,;]*(?:доб(?:авочный)?\.?|ext\.?|x|#)\s*(?P<ext>\d{1,7})\s*$",
    re.IGNORECASE,
)


_WHITESPACE = re.compile(r"\s+")


def _clean(value) -> str:
    """The value as text without any whitespace."""
    if type(value) is str and value.isalnum():  # the usual case: nothing to strip
        return value
    return _WHITESPACE.sub("", str(value or ""))


def _weighted(digits: str, weights) -> int:
    """Sum of the digits multiplied by the weights, position by position."""
    return sum(map(operator.mul, map(int, digits), weights))


def _inn_legal_digit(first9: str) -> str:
    """The check digit of a 10-digit INN."""
    return str(_weighted(first9, INN_LEGAL_WEIGHTS) % 11 % 10)


def _inn_person_digits(first10: str) -> str:
    """The two check digits of a 12-digit INN."""
    d11 = str(_weighted(first10, INN_PERSON_WEIGHTS_11) % 11 % 10)
    d12 = str(_weighted(first10 + d11, INN_PERSON_WEIGHTS_12) % 11 % 10)
    return d11 + d12


def _ogrn_digit(first12: str) -> str:
    """The check digit of an OGRN."""
    return str(int(first12) % 11 % 10)


def _ogrnip_digit(first14: str) -> str:
    """The check digit of an OGRNIP."""
    return str(int(first14) % 13 % 10)


def _account_prefix(bik: str) -> str:
    """The three BIK digits that precede a credit institution's account in the key check."""
    if bik[6:9] in ("000", "001", "002"):
        return "0" + bik[4:6]
    return bik[6:9]


def _account_sum_ok(prefix: str, account: str) -> bool:
    """Whether the 23 digits prefix + account pass the 7-1-3 key check."""
    digits = prefix + account
    return sum(int(d) * ACCOUNT_WEIGHTS[i % 3] for i, d in enumerate(digits)) % 10 == 0


def _account_key(prefix: str, account: str) -> str:
    """The key digit (9th position) that makes prefix + account pass the check."""
    zeroed = account[:8] + "0" + account[9:]
    total = sum(int(d) * ACCOUNT_WEIGHTS[i % 3] for i, d in enumerate(prefix + zeroed))
    # The key sits at index 11 of the 23 digits, weight 3; 3 * 7 == 21 == 1 (mod 10).
    return str(-total * 7 % 10)


def check_inn(value: str) -> str:
    """Normalise an INN (10 digits for an organisation, 12 for a person) or raise."""
    inn = _clean(value)
    if not inn.isdigit() or len(inn) not in (10, 12) or not inn.isascii():
        raise ValidationError(
            _("An INN has 10 digits for an organisation or 12 for a person."), code="inn_format"
        )
    expected = _inn_legal_digit(inn[:9]) if len(inn) == 10 else _inn_person_digits(inn[:10])
    if inn[-len(expected) :] != expected:
        raise ValidationError(
            _("The INN check digits do not match: check for a typo."), code="inn_checksum"
        )
    return inn


def check_kpp(value: str) -> str:
    """Normalise a KPP (9 characters: 4 digits, 2 digits or capital letters, 3 digits) or raise."""
    kpp = _clean(value).upper()
    if not kpp.isascii() or not KPP_RE.match(kpp):
        raise ValidationError(
            _("A KPP has 9 characters: 4 digits, 2 digits or Latin capitals, 3 digits."),
            code="kpp_format",
        )
    return kpp


def check_ogrn(value: str) -> str:
    """Normalise an OGRN (13 digits starting with 1 or 5) or raise."""
    ogrn = _clean(value)
    if not ogrn.isdigit() or not ogrn.isascii() or len(ogrn) != 13:
        raise ValidationError(_("An OGRN has 13 digits."), code="ogrn_format")
    if ogrn[0] not in "15":
        raise ValidationError(
            _("An OGRN starts with 1 or 5; this looks like a register record number."),
            code="ogrn_kind",
        )
    if ogrn[12] != _ogrn_digit(ogrn[:12]):
        raise ValidationError(
            _("The OGRN check digit does not match: check for a typo."), code="ogrn_checksum"
        )
    return ogrn


def check_ogrnip(value: str) -> str:
    """Normalise an OGRNIP (15 digits starting with 3) or raise."""
    ogrnip = _clean(value)
    if not ogrnip.isdigit() or not ogrnip.isascii() or len(ogrnip) != 15:
        raise ValidationError(_("An OGRNIP has 15 digits."), code="ogrnip_format")
    if ogrnip[0] != "3":
        raise ValidationError(_("An OGRNIP starts with 3."), code="ogrnip_kind")
    if ogrnip[14] != _ogrnip_digit(ogrnip[:14]):
        raise ValidationError(
            _("The OGRNIP check digit does not match: check for a typo."), code="ogrnip_checksum"
        )
    return ogrnip


def check_bik(value: str) -> str:
    """Normalise a BIK (9 digits starting with 04) or raise."""
    bik = _clean(value)
    if not bik.isdigit() or not bik.isascii() or len(bik) != 9 or not bik.startswith("04"):
        raise ValidationError(_("A BIK has 9 digits and starts with 04."), code="bik_format")
    return bik


def _check_account_format(value: str) -> str:
    """Normalise a 20-digit account number or raise."""
    account = _clean(value)
    if not account.isdigit() or not account.isascii() or len(account) != 20:
        raise ValidationError(_("An account number has 20 digits."), code="account_format")
    return account


def check_bank_account(account: str, bik: str) -> str:
    """Normalise a settlement account and check its key against the bank's BIK, or raise."""
    account = _check_account_format(account)
    bik = check_bik(bik)
    if not _account_sum_ok(_account_prefix(bik), account):
        raise ValidationError(
            _("The account number does not match the BIK: check both for a typo."),
            code="account_checksum",
        )
    return account


def check_corr_account(account: str, bik: str) -> str:
    """Normalise a correspondent account (301...) and check its key against the BIK, or raise."""
    account = _check_account_format(account)
    bik = check_bik(bik)
    if not account.startswith("301"):
        raise ValidationError(
            _("A correspondent account starts with 301."), code="corr_account_kind"
        )
    if not _account_sum_ok("0" + bik[4:6], account):
        raise ValidationError(
            _("The correspondent account does not match the BIK: check both for a typo."),
            code="corr_account_checksum",
        )
    return account


def normalise_phone(raw: str, region: str = "RU") -> tuple[str, str]:
    """Parse a phone number into (E.164, extension) or raise."""
    text = str(raw or "").strip()
    extension = ""
    match = EXTENSION_RE.match(text)
    if match:
        text, extension = match["number"], match["ext"]
    invalid = ValidationError(
        _("Enter a phone number, for example +7 495 123-45-67."), code="phone_invalid"
    )
    if not text:
        raise invalid
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise invalid from exc
    if not phonenumbers.is_possible_number(number):
        raise invalid
    extension = extension or (number.extension or "")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), extension


def phone_search_key(raw: str) -> str | None:
    """The E.164 form of a search text that reads as a full phone number, else None."""
    try:
        return normalise_phone(raw)[0]
    except ValidationError:
        return None


def format_phone(e164: str, extension: str = "") -> str:
    """Display a stored E.164 number as Russians write it, +7 (495) 123-45-67, with its
    extension; other countries in international format."""
    if len(e164) == 12 and e164.startswith("+7") and e164[1:].isdigit():
        # Sliced, not parsed: a list page shows fifty of these.
        text = f"+7 ({e164[2:5]}) {e164[5:8]}-{e164[8:10]}-{e164[10:12]}"
    else:
        try:
            number = phonenumbers.parse(e164, None)
        except phonenumbers.NumberParseException:
            return f"{e164}{extension and ' ' + extension}"
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if extension:
        text += str(_(" ext. %(number)s")) % {"number": extension}
    return text


def _digits(rng: random.Random, count: int) -> str:
    """Random decimal digits."""
    return "".join(str(rng.randrange(10)) for _i in range(count))


def _region(region_code: str) -> str:
    """A two-digit region code, checked."""
    code = str(region_code).zfill(2)
    if len(code) != 2 or not code.isdigit():
        raise ValueError(f"region code must be two digits, got {region_code!r}")
    return code


def make_inn_legal(rng: random.Random, region_code: str) -> str:
    """A valid 10-digit organisation INN in the given region."""
    first9 = _region(region_code) + f"{rng.randrange(1, 100):02d}" + _digits(rng, 5)
    return first9 + _inn_legal_digit(first9)


def make_inn_person(rng: random.Random, region_code: str) -> str:
    """A valid 12-digit personal INN in the given region."""
    first10 = _region(region_code) + f"{rng.randrange(1, 100):02d}" + _digits(rng, 6)
    return first10 + _inn_person_digits(first10)


def make_ogrn(rng: random.Random, region_code: str) -> str:
    """A valid OGRN (1, year, region, ...) in the given region."""
    first12 = "1" + f"{rng.randrange(2, 26):02d}" + _region(region_code) + _digits(rng, 7)
    return first12 + _ogrn_digit(first12)


def make_ogrnip(rng: random.Random, region_code: str) -> str:
    """A valid OGRNIP (3, year, region, ...) in the given region."""
    first14 = "3" + f"{rng.randrange(4, 26):02d}" + _region(region_code) + _digits(rng, 9)
    return first14 + _ogrnip_digit(first14)


def make_kpp(inn: str) -> str:
    """The KPP of an organisation's head office: the INN's first 4 digits + 01001."""
    return inn[:4] + "01001"


def make_bank_account(rng: random.Random, bik: str) -> str:
    """A valid rouble settlement account (40702810...) at the bank with this BIK."""
    bik = check_bik(bik)
    draft = "40702810" + "0" + _digits(rng, 11)
    return draft[:8] + _account_key(_account_prefix(bik), draft) + draft[9:]
