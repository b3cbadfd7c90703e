"""Russian requisites: checksums, normalisation, phone numbers and demo-data generators."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from crm.clients import requisites as r

SBER_BIK = "044525225"
# Published correspondent accounts of large banks (Bank of Russia directory).
KNOWN_CORR = [
    ("044525225", "30101810400000000225"),  # Sberbank
    ("044525187", "30101810700000000187"),  # VTB
    ("044525593", "30101810200000000593"),  # Alfa-Bank
    ("044525974", "30101810145250000974"),  # T-Bank
    ("044030653", "30101810500000000653"),  # Sberbank, North-West (St Petersburg)
]


def codes(exc_info) -> str:
    return exc_info.value.code


# --- INN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7707083893", "7707083893"),
        (" 7707 083 893 ", "7707083893"),
        ("500100732259", "500100732259"),
        ("5001 0073 2259", "500100732259"),
    ],
)
def test_inn_valid(raw, expected):
    assert r.check_inn(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "770708389", "77070838931", "770708389X", "７７０７０８３８９３"]
)
def test_inn_wrong_format(raw):
    with pytest.raises(ValidationError) as exc:
        r.check_inn(raw)
    assert codes(exc) == "inn_format"


@pytest.mark.parametrize("raw", ["7707083894", "7707183893", "500100732258", "500100732269"])
def test_inn_typo_is_rejected(raw):
    with pytest.raises(ValidationError) as exc:
        r.check_inn(raw)
    assert codes(exc) == "inn_checksum"


def test_inn_every_single_digit_typo_is_caught_for_the_last_digit():
    for digit in "012456789":  # 3 is the right one
        with pytest.raises(ValidationError):
            r.check_inn("770708389" + digit)


def test_inn_messages_are_distinct():
    with translation.override("en"):
        with pytest.raises(ValidationError) as wrong_length:
            r.check_inn("123")
        with pytest.raises(ValidationError) as wrong_sum:
            r.check_inn("7707083894")
        length_message, sum_message = wrong_length.value.messages[0], wrong_sum.value.messages[0]
    assert length_message != sum_message
    assert "10 digits" in length_message
    assert "check digits" in sum_message


# --- KPP -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("770701001", "770701001"), ("7707AB001", "7707AB001"), ("7707ab001", "7707AB001")],
)
def test_kpp_valid(raw, expected):
    assert r.check_kpp(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "77070100", "7707010011", "77A701001", "7707АБ001", "770701A01"]
)
def test_kpp_invalid(raw):
    with pytest.raises(ValidationError):
        r.check_kpp(raw)


# --- OGRN / OGRNIP ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1027700132195", "1027739609391", " 1027700132195 "])
def test_ogrn_valid(raw):
    assert r.check_ogrn(raw) == raw.strip()


def test_ogrn_starting_with_5_accepted():
    first12 = "502770013219"
    value = first12 + str(int(first12) % 11 % 10)
    assert r.check_ogrn(value) == value


@pytest.mark.parametrize("first", "2346789")
def test_ogrn_other_first_digits_rejected(first):
    first12 = first + "02770013219"
    value = first12 + str(int(first12) % 11 % 10)  # the checksum is fine, the kind is not
    with pytest.raises(ValidationError) as exc:
        r.check_ogrn(value)
    assert codes(exc) == "ogrn_kind"


def test_ogrn_typo_rejected():
    with pytest.raises(ValidationError) as exc:
        r.check_ogrn("1027700132196")
    assert codes(exc) == "ogrn_checksum"


@pytest.mark.parametrize("raw", ["", "102770013219", "10277001321950", "102770013219X"])
def test_ogrn_wrong_format(raw):
    with pytest.raises(ValidationError) as exc:
        r.check_ogrn(raw)
    assert codes(exc) == "ogrn_format"


def test_ogrnip_remainder_10_accepted():
    assert int("30477000000002") % 13 == 10  # stdnum would want "10" here, not a digit
    assert r.check_ogrnip("304770000000020") == "304770000000020"


@pytest.mark.parametrize("remainder", [10, 11, 12])
def test_ogrnip_big_remainders_accepted(remainder):
    base = 30477000000000
    first14 = next(n for n in range(base, base + 13) if n % 13 == remainder)
    value = f"{first14}{remainder % 10}"
    assert r.check_ogrnip(value) == value


def test_ogrnip_typo_rejected():
    with pytest.raises(ValidationError) as exc:
        r.check_ogrnip("304770000000021")
    assert codes(exc) == "ogrnip_checksum"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("30477000000002", "ogrnip_format"),
        ("3047700000000200", "ogrnip_format"),
        ("", "ogrnip_format"),
        ("104770000000020", "ogrnip_kind"),
    ],
)
def test_ogrnip_invalid(raw, code):
    with pytest.raises(ValidationError) as exc:
        r.check_ogrnip(raw)
    assert codes(exc) == code


# --- BIK and accounts ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["044525225", " 044 525 225 ", "040349602"])
def test_bik_valid(raw):
    assert r.check_bik(raw) == raw.replace(" ", "")


@pytest.mark.parametrize("raw", ["", "04452522", "0445252250", "144525225", "03452522X"])
def test_bik_invalid(raw):
    with pytest.raises(ValidationError):
        r.check_bik(raw)


@pytest.mark.parametrize(("bik", "corr"), KNOWN_CORR)
def test_known_correspondent_accounts(bik, corr):
    assert r.check_corr_account(corr, bik) == corr


def test_corr_account_against_another_region_rejected():
    # Only BIK digits 5-6 count for a correspondent account: take a St Petersburg bank.
    with pytest.raises(ValidationError) as exc:
        r.check_corr_account("30101810400000000225", "044030653")
    assert codes(exc) == "corr_account_checksum"


def test_corr_account_must_start_with_301():
    with pytest.raises(ValidationError) as exc:
        r.check_corr_account("40702810400000000225", SBER_BIK)
    assert codes(exc) == "corr_account_kind"


def test_bank_account_generated_for_sberbank():
    account = r.make_bank_account(random.Random(1), SBER_BIK)
    assert account.startswith("40702810")
    assert r.check_bank_account(account, SBER_BIK) == account
    assert r.check_bank_account(" ".join([account[:10], account[10:]]), SBER_BIK) == account


def test_bank_account_key_uses_last_three_bik_digits():
    # Hand-computed: "225" + account with weights 7,1,3 over the 23 digits.
    account = "40702810000000000000"
    digits = "225" + account
    total = sum(int(d) * (7, 1, 3)[i % 3] for i, d in enumerate(digits))
    key = -total * 7 % 10
    valid = account[:8] + str(key) + account[9:]
    assert r.check_bank_account(valid, SBER_BIK) == valid


def test_bank_account_typo_rejected():
    account = r.make_bank_account(random.Random(2), SBER_BIK)
    typo = account[:-1] + str((int(account[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        r.check_bank_account(typo, SBER_BIK)
    assert codes(exc) == "account_checksum"


def test_bank_account_at_another_bank_rejected():
    account = r.make_bank_account(random.Random(3), SBER_BIK)
    with pytest.raises(ValidationError):
        r.check_bank_account(account, "044525187")


def test_bank_account_at_rkc_uses_zero_and_bik_digits_5_6():
    rkc_bik = "044525000"
    account = r.make_bank_account(random.Random(4), rkc_bik)
    assert r.check_bank_account(account, rkc_bik) == account
    digits = "025" + account  # 0 + digits 5-6 of 044525000
    assert sum(int(d) * (7, 1, 3)[i % 3] for i, d in enumerate(digits)) % 10 == 0


@pytest.mark.parametrize(
    ("account", "bik"),
    [
        ("4070281093800000000", SBER_BIK),
        ("407028109380000000001", SBER_BIK),
        ("4070281093800000000X", SBER_BIK),
        ("40702810938000000000", "14452522"),
    ],
)
def test_bank_account_wrong_format(account, bik):
    with pytest.raises(ValidationError):
        r.check_bank_account(account, bik)


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (495) 123-45-67", ("+74951234567", "")),
        ("89161234567", ("+79161234567", "")),
        ("9161234567", ("+79161234567", "")),
        ("+7 916 123 45 67", ("+79161234567", "")),
        ("+7 916 123 45 67 доб. 123", ("+79161234567", "123")),
        ("+7 916 123 45 67 доб 123", ("+79161234567", "123")),
        ("+7 916 123 45 67, ext. 45", ("+79161234567", "45")),
        ("8 (495) 123-45-67 #9", ("+74951234567", "9")),
        ("8-800-555-35-35", ("+78005553535", "")),
    ],
)
def test_normalise_phone(raw, expected):
    assert r.normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "abc", "123", "+7 916", "доб. 123"])
def test_normalise_phone_rejects(raw):
    with pytest.raises(ValidationError) as exc:
        r.normalise_phone(raw)
    assert codes(exc) == "phone_invalid"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (495) 123-45-67", "+74951234567"),
        ("+7 916 123 45 67 доб. 123", "+79161234567"),
        ("495", None),
        ("Ромашка", None),
        ("", None),
    ],
)
def test_phone_search_key(raw, expected):
    assert r.phone_search_key(raw) == expected


def test_format_phone():
    with translation.override("en"):
        assert r.format_phone("+74951234567") == "+7 (495) 123-45-67"
        assert r.format_phone("+74951234567", "123") == "+7 (495) 123-45-67 ext. 123"


# --- generators ------------------------------------------------------------------------------


def test_generators_produce_valid_values():
    banks = [bik for bik, _corr in KNOWN_CORR] + ["044525000"]
    for seed in range(2000):
        rng = random.Random(seed)
        region = f"{rng.randrange(1, 100):02d}"
        inn = r.make_inn_legal(rng, region)
        assert len(inn) == 10
        assert inn[:2] == region
        assert r.check_inn(inn) == inn
        person = r.make_inn_person(rng, region)
        assert len(person) == 12
        assert person[:2] == region
        assert r.check_inn(person) == person
        ogrn = r.make_ogrn(rng, region)
        assert r.check_ogrn(ogrn) == ogrn
        assert ogrn[3:5] == region
        ogrnip = r.make_ogrnip(rng, region)
        assert r.check_ogrnip(ogrnip) == ogrnip
        assert ogrnip[3:5] == region
        kpp = r.make_kpp(inn)
        assert kpp == inn[:4] + "01001"
        assert r.check_kpp(kpp) == kpp
        bik = banks[seed % len(banks)]
        account = r.make_bank_account(rng, bik)
        assert account.startswith("40702810")
        assert r.check_bank_account(account, bik) == account


def test_generators_are_deterministic():
    a, b = random.Random(42), random.Random(42)
    assert r.make_inn_legal(a, "77") == r.make_inn_legal(b, "77")
    assert r.make_bank_account(a, SBER_BIK) == r.make_bank_account(b, SBER_BIK)


def test_generator_rejects_bad_region():
    with pytest.raises(ValueError, match="region code"):
        r.make_inn_legal(random.Random(0), "7a")
