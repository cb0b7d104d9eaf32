"""NIK parsing: valid numbers of both sexes and centuries, and every kind of invalid one."""

from __future__ import annotations

from datetime import date

import pytest

from app.nik import InvalidNikError, NikFault, Sex, mask, parse_nik

TODAY = date(2026, 11, 23)


def test_a_woman_from_lumbir_banyumas() -> None:
    nik = parse_nik("3302014107900001", today=TODAY)
    assert (nik.province_code, nik.regency_code, nik.district_code) == ("33", "02", "01")
    assert nik.district_name == "Lumbir"
    assert nik.regency_name == "Kab. Banyumas"
    assert nik.province_name == "Jawa Tengah"
    assert nik.sex is Sex.FEMALE
    assert nik.birth_date == date(1990, 7, 1)
    assert nik.serial == 1


def test_a_man_from_purwokerto_utara_born_this_century() -> None:
    nik = parse_nik("3302271503100123", today=TODAY)
    assert nik.district_name == "Purwokerto Utara"
    assert nik.sex is Sex.MALE
    assert nik.birth_date == date(2010, 3, 15)


def test_spaces_and_dots_are_tolerated() -> None:
    assert parse_nik("3302.0141.0790.0001", today=TODAY).serial == 1
    assert parse_nik(" 3302 0141 0790 0001 ", today=TODAY).serial == 1


def test_every_banyumas_district_exists() -> None:
    names = {parse_nik(f"3302{d:02d}0101800001", today=TODAY).district_name for d in range(1, 28)}
    assert len(names) == 27


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("330201410790000", NikFault.FORMAT),  # 15 digits
        ("33020141079000011", NikFault.FORMAT),  # 17 digits
        ("33020141079O0001", NikFault.FORMAT),  # a letter O
        ("", NikFault.FORMAT),
        ("9902014107900001", NikFault.PROVINCE),
        ("3369014107900001", NikFault.REGENCY),
        ("3302284107900001", NikFault.DISTRICT),  # Banyumas has 27 districts
        ("3302013207900001", NikFault.BIRTH_DATE),  # day 32
        ("3302017207900001", NikFault.BIRTH_DATE),  # day 72 (32 for a woman)
        ("3302013002900001", NikFault.BIRTH_DATE),  # 30 February
        ("3302012902010001", NikFault.BIRTH_DATE),  # 29 February 2001, not a leap year
        ("3302010113900001", NikFault.BIRTH_DATE),  # month 13
        ("3302010000900001", NikFault.BIRTH_DATE),  # day 0
        ("3302010112260001", NikFault.FUTURE),  # 1 December 2026, after today
        ("3302014107900000", NikFault.SERIAL),
    ],
)
def test_invalid_numbers_name_their_fault(value: str, fault: NikFault) -> None:
    with pytest.raises(InvalidNikError) as caught:
        parse_nik(value, today=TODAY)
    assert caught.value.fault is fault
    assert value.strip()[6:] not in str(caught.value) or not value  # the message never echoes it


def test_leap_day_of_a_leap_year_is_fine() -> None:
    assert parse_nik("3302016902000001", today=TODAY).birth_date == date(2000, 2, 29)


def test_the_digits_never_show_in_repr_or_str() -> None:
    nik = parse_nik("3302014107900001", today=TODAY)
    assert "4107900001" not in repr(nik)
    assert "4107900001" not in str(nik)
    assert str(nik) == "330201********01" == mask("3302014107900001")
