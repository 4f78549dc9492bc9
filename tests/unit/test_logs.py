import logging

import bcrypt

from infrastructure.logs import RedactSecrets

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiJ4In0.c2lnbmF0dXJl"


def redacted(message: str, *args) -> str:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, args, None)
    RedactSecrets().filter(record)
    return record.getMessage()


def test_tokens_in_socket_urls_are_redacted():
    line = redacted('%s - "WebSocket %s" [accepted]', "127.0.0.1:5", "/ws?token=abc.def-ghi")
    assert "abc.def-ghi" not in line
    assert "/ws?[redacted]" in line


def test_jwts_and_bcrypt_hashes_are_redacted_anywhere():
    password_hash = bcrypt.hashpw(b"secret1", bcrypt.gensalt(4)).decode()
    line = redacted("user %s hash %s", JWT, password_hash)
    assert JWT not in line and password_hash not in line
    assert line.count("[redacted]") == 2


def test_ordinary_lines_are_untouched():
    assert redacted("serving on %s:%d", "0.0.0.0", 3000) == "serving on 0.0.0.0:3000"


def test_control_characters_from_a_caller_cannot_forge_a_log_line():
    line = redacted("unhandled error on GET %s", "/x\r\nERROR forged line\x00\x1b[31m")
    assert "\n" not in line and "\r" not in line and "\x00" not in line and "\x1b" not in line
    assert line == "unhandled error on GET /x\\r\\nERROR forged line\\x00\\x1b[31m"


def test_a_socket_url_keeps_no_query_even_with_encoded_names():
    line = redacted('"WebSocket %s" [accepted]', "/ws?%74oken=%65yJhbGciOiJIUzI1NiJ9.x.y")
    assert "%65yJ" not in line and line == '"WebSocket /ws?[redacted]" [accepted]'


def test_no_query_of_any_url_reaches_the_log_whatever_it_holds():
    for path in ("/ws?'&%74oken=%65yJhbGci", '/ws?a"b&token=x', "/ws/?%74oken=x", "/nope?t=x"):
        line = redacted('%s - "WebSocket %s" 404', "127.0.0.1:5", path)
        assert line.endswith('?[redacted]" 404'), line
    assert redacted("what? nothing") == "what? nothing"
