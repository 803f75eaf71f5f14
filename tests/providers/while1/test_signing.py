"""http_build_query and api_hash against what PHP itself printed.

Every expected string and hash below was computed once with PHP 8.2 (php-cli), not by
this code, with:

    $key = 'your_api_key';
    $q = http_build_query($params);
    echo $q, "\n", md5($q . $key), "\n";

for each `$params` shown next to its constant (the page's example first). PHP is not
needed to run these tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from callboard.providers.while1.signing import (
    api_hash,
    http_build_query,
    signed_query,
    urlencode,
)

KEY = "your_api_key"

# The page's example, as its PHP array:
# array('api_username' => 'your_api_usr', 'api_password' => 'your_api_pass',
#   'data' => array('project_id' => 1, 'caller_id' => '0123456789',
#     'caller_id_name' => 'John Doe', 'type' => 'queue', 'destination' => 'test-queue',
#     'external_id' => 'asdf1234', 'async' => 1, 'outbound_number' => '+40212345678',
#     'outbound_trunk' => 'default-trunk', 'vars' => array('SKIP_WELCOME' => 1,
#       'SKIP_WE_ARE_RECORDING' => 1, 'SKIP_ENTER_QUEUE' => 0,
#       'BACKEND_LINK' => 'https://[YOUR-EXTERNAL-CRM-URL]/?change_this_url=1234')))
PAGE_PARAMS: dict[str, Any] = {
    "api_username": "your_api_usr",
    "api_password": "your_api_pass",
    "data": {
        "project_id": 1,
        "caller_id": "0123456789",
        "caller_id_name": "John Doe",
        "type": "queue",
        "destination": "test-queue",
        "external_id": "asdf1234",
        "async": 1,
        "outbound_number": "+40212345678",
        "outbound_trunk": "default-trunk",
        "vars": {
            "SKIP_WELCOME": 1,
            "SKIP_WE_ARE_RECORDING": 1,
            "SKIP_ENTER_QUEUE": 0,
            "BACKEND_LINK": "https://[YOUR-EXTERNAL-CRM-URL]/?change_this_url=1234",
        },
    },
}
PAGE_QUERY = (
    "api_username=your_api_usr&api_password=your_api_pass&data%5Bproject_id%5D=1"
    "&data%5Bcaller_id%5D=0123456789&data%5Bcaller_id_name%5D=John+Doe&data%5Btype%5D=queue"
    "&data%5Bdestination%5D=test-queue&data%5Bexternal_id%5D=asdf1234&data%5Basync%5D=1"
    "&data%5Boutbound_number%5D=%2B40212345678&data%5Boutbound_trunk%5D=default-trunk"
    "&data%5Bvars%5D%5BSKIP_WELCOME%5D=1&data%5Bvars%5D%5BSKIP_WE_ARE_RECORDING%5D=1"
    "&data%5Bvars%5D%5BSKIP_ENTER_QUEUE%5D=0"
    "&data%5Bvars%5D%5BBACKEND_LINK%5D=https%3A%2F%2F%5BYOUR-EXTERNAL-CRM-URL%5D%2F%3F"
    "change_this_url%3D1234"
)
# md5(PAGE_QUERY . 'your_api_key'). The page shows 0f25e797e72d0dbba96d2c571a7bd6ba for
# its example, which no key we know reproduces: an illustration, not a test vector.
PAGE_HASH = "65fc0a7a04153c1f94958d255dfcafbb"

# A Callboard-shaped request:
# array('api_username' => 'cb-user', 'api_password' => 'p@ss w0rd~!',
#   'data' => array('project_id' => 7, 'caller_id' => '+40721234567',
#     'caller_id_name' => 'Ioana Ștefănescu', 'type' => 'user', 'destination' => '101',
#     'external_id' => 'cb-0123456789abcdef0123456789abcdef', 'async' => 0,
#     'vars' => array('CRM_URL' => 'https://crm.example.ro/deal/42?tab=calls',
#       'NOTE' => 'Привет, мир')))
CALLBOARD_PARAMS: dict[str, Any] = {
    "api_username": "cb-user",
    "api_password": "p@ss w0rd~!",
    "data": {
        "project_id": 7,
        "caller_id": "+40721234567",
        "caller_id_name": "Ioana Ștefănescu",
        "type": "user",
        "destination": "101",
        "external_id": "cb-0123456789abcdef0123456789abcdef",
        "async": 0,
        "vars": {"CRM_URL": "https://crm.example.ro/deal/42?tab=calls", "NOTE": "Привет, мир"},
    },
}
CALLBOARD_QUERY = (
    "api_username=cb-user&api_password=p%40ss+w0rd%7E%21&data%5Bproject_id%5D=7"
    "&data%5Bcaller_id%5D=%2B40721234567"
    "&data%5Bcaller_id_name%5D=Ioana+%C8%98tef%C4%83nescu&data%5Btype%5D=user"
    "&data%5Bdestination%5D=101&data%5Bexternal_id%5D=cb-0123456789abcdef0123456789abcdef"
    "&data%5Basync%5D=0"
    "&data%5Bvars%5D%5BCRM_URL%5D=https%3A%2F%2Fcrm.example.ro%2Fdeal%2F42%3Ftab%3Dcalls"
    "&data%5Bvars%5D%5BNOTE%5D=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82%2C+%D0%BC%D0%B8%D1%80"
)
CALLBOARD_HASH = "cf734186075c724c8ad0a166ff121c91"

# (params, PHP's http_build_query, md5 of it . 'your_api_key'); the PHP array in the id.
CASES = [
    pytest.param(
        # array('name' => 'John Doe', 'user' => '~user', 'safe' => 'a.b-c_d*e',
        #   'odd' => "x'y\"z<>&=?#%")
        {"name": "John Doe", "user": "~user", "safe": "a.b-c_d*e", "odd": "x'y\"z<>&=?#%"},
        "name=John+Doe&user=%7Euser&safe=a.b-c_d%2Ae&odd=x%27y%22z%3C%3E%26%3D%3F%23%25",
        "cb11ae2b03926f90b5d9cf7c373a526c",
        id="spaces-tilde-punctuation",
    ),
    pytest.param(
        # array('ro' => 'Ștefan Țăran, Brașov', 'ru' => 'Иван Петров', 'cedilla' => 'şţ')
        {"ro": "Ștefan Țăran, Brașov", "ru": "Иван Петров", "cedilla": "şţ"},
        "ro=%C8%98tefan+%C8%9A%C4%83ran%2C+Bra%C8%99ov"
        "&ru=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2"
        "&cedilla=%C5%9F%C5%A3",
        "8eef235d3b9139da58519cc4ba7917ea",
        id="romanian-and-cyrillic",
    ),
    pytest.param(
        # array('caller_id' => '+40721234567', 'outbound_number' => '+4 021 234-56-78')
        {"caller_id": "+40721234567", "outbound_number": "+4 021 234-56-78"},
        "caller_id=%2B40721234567&outbound_number=%2B4+021+234-56-78",
        "5598ba6b31a01b88e276e7a96dea78ef",
        id="plus-in-phones",
    ),
    pytest.param(
        # array('data' => array('vars' => array(
        #   'BACKEND_LINK' => 'https://crm.example.ro/c?id=5&x=a b', 'K[1]' => 'v')))
        {"data": {"vars": {"BACKEND_LINK": "https://crm.example.ro/c?id=5&x=a b", "K[1]": "v"}}},
        "data%5Bvars%5D%5BBACKEND_LINK%5D=https%3A%2F%2Fcrm.example.ro%2Fc%3Fid%3D5%26x%3Da+b"
        "&data%5Bvars%5D%5BK%5B1%5D%5D=v",
        "77ecfb28b7d82252e977a93309b865b9",
        id="url-in-vars",
    ),
    pytest.param(
        # array('t' => true, 'f' => false, 'n' => null, 'e' => '', 'z' => 0,
        #   'empty' => array(), 'last' => 'x')
        {"t": True, "f": False, "n": None, "e": "", "z": 0, "empty": {}, "last": "x"},
        "t=1&f=0&e=&z=0&last=x",
        "99cd3e9847344f6462680a4dcdb18e39",
        id="booleans-null-empty",
    ),
    pytest.param(
        # array('data' => array('list' => array('a', 'b'),
        #   'deep' => array('x' => array('y' => 'z')), 'none' => array()))
        {"data": {"list": ["a", "b"], "deep": {"x": {"y": "z"}}, "none": []}},
        "data%5Blist%5D%5B0%5D=a&data%5Blist%5D%5B1%5D=b&data%5Bdeep%5D%5Bx%5D%5By%5D=z",
        "b60620e484caf8c181d94f6d860e2e3a",
        id="nested-and-lists",
    ),
    pytest.param(
        # array('i' => -5, 'big' => 12345678901, 'f' => 1.5, 'g' => 1.0, 'h' => 0.1,
        #   'e20' => 1e20, 'small' => 1.5e-7, 'p14' => 123456789012345.0)
        {
            "i": -5,
            "big": 12345678901,
            "f": 1.5,
            "g": 1.0,
            "h": 0.1,
            "e20": 1e20,
            "small": 1.5e-7,
            "p14": 123456789012345.0,
        },
        "i=-5&big=12345678901&f=1.5&g=1&h=0.1&e20=1.0E%2B20&small=1.5E-7&p14=1.2345678901234E%2B14",
        "3fbb9ecf73e12bf942ef59b834a36bff",
        id="numbers",
    ),
]


def test_the_pages_example_encodes_as_php_does() -> None:
    assert http_build_query(PAGE_PARAMS) == PAGE_QUERY


def test_the_pages_example_hash() -> None:
    assert api_hash(PAGE_PARAMS, KEY) == PAGE_HASH


def test_a_callboard_request_encodes_and_hashes_as_php_does() -> None:
    assert http_build_query(CALLBOARD_PARAMS) == CALLBOARD_QUERY
    assert api_hash(CALLBOARD_PARAMS, KEY) == CALLBOARD_HASH


@pytest.mark.parametrize(("params", "query", "digest"), CASES)
def test_php_outputs(params: dict[str, Any], query: str, digest: str) -> None:
    assert http_build_query(params) == query
    assert api_hash(params, KEY) == digest


def test_the_hash_leaves_out_an_api_hash_already_there() -> None:
    signed = {**PAGE_PARAMS, "api_hash": "0f25e797e72d0dbba96d2c571a7bd6ba"}
    assert api_hash(signed, KEY) == PAGE_HASH


def test_the_signed_body_is_the_query_with_its_hash_last() -> None:
    assert signed_query(CALLBOARD_PARAMS, KEY) == f"{CALLBOARD_QUERY}&api_hash={CALLBOARD_HASH}"


def test_the_hash_depends_on_the_key_and_on_every_byte() -> None:
    assert api_hash(PAGE_PARAMS, "another_key") != PAGE_HASH
    changed = {**PAGE_PARAMS, "data": {**PAGE_PARAMS["data"], "caller_id": "0123456788"}}
    assert api_hash(changed, KEY) != PAGE_HASH


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("~", "%7E"),
        (" ", "+"),
        ("+", "%2B"),
        ("-_.", "-_."),
        ("*", "%2A"),
        ("é", "%C3%A9"),
        ("\n", "%0A"),
    ],
)
def test_urlencode_keeps_only_letters_digits_and_dash_underscore_dot(
    text: str, encoded: str
) -> None:
    assert urlencode(text) == encoded


def test_a_value_php_could_not_send_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="bytes"):
        http_build_query({"a": b"raw"})
