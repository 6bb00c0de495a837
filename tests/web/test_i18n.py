"""Chinese first, English a click away (Django i18n): the pages and the service layer's refusals speak the
reader's language, and the zh_Hans catalog is complete, with its compiled .mo matching the .po.

The test settings use English (LANGUAGE_CODE "en"); the tests that need the real default override it."""

import ast
import gettext
import re
import struct
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

import sirecords
from sirecords.core.identifiers import make_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.roles import conflict
from sirecords.workflow import services

MESSAGES = Path(sirecords.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
ID = make_id_number("440305", date(1990, 5, 17), 201)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_pages_are_chinese_when_the_reader_states_no_language(client, signed_in):
    login = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in login
    assert "<h1>登录</h1>" in login and "用户名" in login and "密码" in login and ">继续</button>" in login
    assert "Sign in" not in login and "Username" not in login
    assert re.search(r'<option value="zh-hans"[^>]*\bselected\b[^>]*>简体中文</option>', login)
    assert '<option value="en"' in login

    page = signed_in("clerk.zh", "clerk").get("/desk/new/register_person/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert ">首页</a>" in page and ">新办业务</a>" in page and ">我的业务</a>" in page  # the navigation
    assert ">退出登录</button>" in page
    assert "公民身份号码" in page and "户籍所在地行政区划代码" in page and ">受理业务</button>" in page  # the form
    assert "Resident ID number" not in page and "Sign out" not in page


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_language_switch_turns_the_pages_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    login = client.get("/login/").content.decode()
    assert '<html lang="en">' in login and "<h1>Sign in</h1>" in login and ">Continue</button>" in login
    assert "<h1>登录</h1>" not in login
    assert re.search(r'<option value="en"[^>]*\bselected\b[^>]*>English</option>', login)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert "<h1>登录</h1>" in client.get("/login/").content.decode()


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_a_browser_asking_for_english_gets_english(signed_in):
    client = signed_in("clerk.en", "clerk")
    page = client.get("/desk/new/register_person/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert ">Home</a>" in page and "Resident ID number" in page and ">Sign out</button>" in page
    assert "公民身份号码" not in page


# --- Messages from the services --------------------------------------------------------------------


@pytest.fixture
def submitted(staff, pdf):
    """A registration opened and submitted by someone who is also a first reviewer."""
    both = staff("clerk.r", "clerk", "reviewer1")
    txn = services.open_transaction(both, "register_person", {"id_number": ID, "name": "赵六", "region": "440305"},
                                    region="440300", reason="窗口登记", channel="counter")
    services.attach(both, txn, "id_card", pdf, "身份证.pdf")
    return both, services.submit(both, txn)


def test_a_refusal_speaks_the_readers_language(submitted):
    creator, txn = submitted
    with translation.override("zh-hans"), pytest.raises(services.Refused) as chinese:
        services.review(creator, txn, "approve", "")
    assert chinese.value.message == "本笔业务由您受理，您不得对其进行审核（初审）"
    with translation.override("en"), pytest.raises(services.Refused) as english:
        services.review(creator, txn, "approve", "")
    assert english.value.message == "you opened this transaction, so you may not review it (初审)"


def test_field_errors_speak_the_readers_language(submitted, staff):
    _, txn = submitted
    reviewer = staff("rev1.zh", "reviewer1")
    with translation.override("zh-hans"), pytest.raises(InvalidTransaction) as chinese:
        services.review(reviewer, txn, "reject", " ")
    assert chinese.value.errors == {"opinion": "退回业务时为必填项：请说明需要修改的内容"}
    with translation.override("en"), pytest.raises(InvalidTransaction) as english:
        services.review(reviewer, txn, "reject", " ")
    assert english.value.errors == {"opinion": "is required when returning a transaction: say what must change"}


@pytest.mark.django_db
def test_identifier_problems_are_translated_by_their_code(post_txn):
    payload = {"id_number": "4403051990", "name": "赵六", "region": "440305", "phone": "12"}
    with translation.override("zh-hans"), pytest.raises(InvalidTransaction) as chinese:
        post_txn("register_person", payload)
    assert chinese.value.errors["id_number"] == "公民身份号码应为18位（旧号码为15位）"
    assert chinese.value.errors["phone"].startswith("不是有效的手机号码")
    with translation.override("en"), pytest.raises(InvalidTransaction) as english:
        post_txn("register_person", payload)
    # In English the checker's own message stays, with its details.
    assert english.value.errors["id_number"] == "ID number must have 18 characters (or 15 for a legacy number), got 10."
    assert english.value.errors["phone"].startswith("is not a mobile number")


def test_the_role_rule_speaks_the_readers_language():
    with translation.override("zh-hans"):
        assert conflict({"clerk"}, "sysadmin") == (
            "sysadmin不得同时担任clerk：系统管理员和数据库管理员不得兼任业务经办、查询或监督角色(第二十六条, 第二十八条(二))")
    with translation.override("en"):
        assert conflict({"clerk"}, "sysadmin").startswith("sysadmin may not also hold clerk: system and database")


# --- The catalog -----------------------------------------------------------------------------------


def po_entries(path: Path) -> dict[tuple[str | None, str], dict]:
    """The .po's live entries by (msgctxt, msgid): flags, msgid_plural and msgstr (msgstr[0] for a plural)."""
    entries, current, field = {}, {}, None

    def close():
        if "msgid" in current and current["msgid"] != "":
            entries[(current.get("msgctxt"), current["msgid"])] = current

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            close()
            current, field = {}, None
        elif line.startswith("#,"):
            current.setdefault("flags", set()).update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue  # references, comments and obsolete (#~) entries
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            keyword, _, text = line.partition(" ")
            field = "msgstr" if keyword == "msgstr[0]" else keyword
            current[field] = ast.literal_eval(text)
    return entries


def mo_entries(path: Path) -> dict[tuple[str | None, str], str]:
    """The compiled catalog's entries by (msgctxt, msgid), header left out, read straight from the .mo."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    entries = {}
    for i in range(count):
        length, offset = struct.unpack(order + "2I", data[originals + 8 * i:originals + 8 * i + 8])
        original = data[offset:offset + length].decode()
        length, offset = struct.unpack(order + "2I", data[translations + 8 * i:translations + 8 * i + 8])
        translated = data[offset:offset + length].decode()
        if original:
            context, _, msgid = original.rpartition("\x04")
            entries[(context or None, msgid.split("\0")[0])] = translated.split("\0")[0]
    return entries


def test_every_msgid_is_translated_into_chinese():
    po = po_entries(MESSAGES / "django.po")
    assert len(po) > 400
    with open(MESSAGES / "django.mo", "rb") as mo_file:
        catalog = gettext.GNUTranslations(mo_file)
    assert catalog.info()["plural-forms"].startswith("nplurals=1;")
    assert not [key for key, entry in po.items() if "fuzzy" in entry.get("flags", ())]
    for (context, msgid), entry in po.items():
        if "msgid_plural" in entry:
            translated = catalog.ngettext(msgid, entry["msgid_plural"], 2)
        elif context:
            translated = catalog.pgettext(context, msgid)
        else:
            translated = catalog.gettext(msgid)
        assert translated != msgid, f"not translated: {msgid!r}"
        assert CHINESE.search(translated), f"not Chinese: {msgid!r} → {translated!r}"
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(msgid)), \
            f"placeholders differ: {msgid!r} → {translated!r}"


def test_the_compiled_catalog_matches_the_po():
    po = po_entries(MESSAGES / "django.po")
    mo = mo_entries(MESSAGES / "django.mo")
    assert set(mo) == set(po), "django.mo is stale: compile django.po again (msgfmt -o django.mo django.po)"
    assert {key: entry["msgstr"] for key, entry in po.items()} == mo


def test_the_catalog_covers_the_service_messages():
    po = po_entries(MESSAGES / "django.po")
    for msgid in ("you opened this transaction, so you may not review it ({stage})",
                  "the stage due is {stage}, which needs the role {role} in region {region}",
                  "this account is deactivated", "is required", "the file is empty",
                  "ID number check character is wrong", "you cannot change your own roles"):
        assert (None, msgid) in po
