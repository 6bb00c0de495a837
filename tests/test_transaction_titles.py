"""Every business transaction's title is in the reader's language only (issue #12 point 11: the benefit titles showed
"视同缴费年限认定 recognise deemed contribution service" on the Chinese pages): a title is one msgid the catalogue
translates, never two languages written side by side."""

import re

import pytest
from django.utils import translation

from sirecords.transactions.posting import transaction_types

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
HAN = re.compile(r"[\u4e00-\u9fff]")
ARTICLE = re.compile(r"\(第[^)]*\)+")  # a citation of the regulation's article stays as written


def titles(language: str) -> dict[str, str]:
    with translation.override(language):
        return {name: str(kind.title) for name, kind in transaction_types().items()}


def test_every_title_on_the_chinese_pages_is_chinese_only():
    mixed = {name: title for name, title in titles("zh-hans").items() if LATIN_WORD.search(title)}
    assert mixed == {}


@pytest.mark.parametrize("name", ["recognise_deemed_service", "record_death", "approve_retirement", "issue_certificate",
                                  "credit_accounts"])
def test_a_title_translated_through_the_catalogue_is_english_only_in_english(name):
    kinds = transaction_types()
    if name not in kinds:
        pytest.skip(f"{name} is not a transaction type here")
    english = titles("en")[name]
    if HAN.search(ARTICLE.sub("", english)) and not LATIN_WORD.search(english):
        pytest.skip(f"{name}'s title is a Chinese msgid (no English catalogue yet)")
    assert not HAN.search(ARTICLE.sub("", english)), english
