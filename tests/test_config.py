import re
import tomllib
from pathlib import Path

import pytest

from wall.config import INIT_TEMPLATE, ConfigError, env_secret, load_settings, write_init
from wall.settings import DemoSource, ServerSettings, Settings

EVENT = """\
[[events]]
slug = "jpo"
title = "Journées portes ouvertes"
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    """Write TOML to ``murmur.toml`` in a fresh folder (the working directory) and load it."""
    monkeypatch.chdir(tmp_path)

    def load(text: str) -> Settings:
        Path("murmur.toml").write_text(text, encoding="utf-8")
        return load_settings(Path("murmur.toml"))

    return load


@pytest.fixture
def error(config):
    """The ``ConfigError`` that loading TOML raises."""

    def load(text: str) -> ConfigError:
        with pytest.raises(ConfigError) as info:
            config(text)
        return info.value

    return load


# ---- The template ---------------------------------------------------------------------


def test_the_init_template_loads_with_one_event_fed_by_the_demo_source(config):
    settings = config(INIT_TEMPLATE)
    [event] = settings.events
    assert event.slug == "jpo"
    assert event.title == "Journées portes ouvertes"
    assert event.hashtags == ["JPO2026", "CampusLife"]
    assert event.moderation == "pre"
    assert event.sources == [DemoSource()]
    assert settings.server == ServerSettings()


def test_the_init_template_comments_every_server_key_with_its_default():
    server = INIT_TEMPLATE.split("[server]\n", 1)[1].split("\n[", 1)[0]
    commented = "\n".join(re.findall(r"^# (\w+ = .*)$", server, re.M))
    values = tomllib.loads(commented)
    assert set(values) == set(ServerSettings.__struct_fields__)
    del values["secret_key_env"]  # no default to show: unset means "generate one"
    del values["public_url"]  # an example: unset means "the address each request came to"
    assert ServerSettings(**values) == ServerSettings()


def test_the_init_template_shows_every_network_commented_out():
    for network in ("mastodon", "bluesky", "x", "rss"):
        assert f'# type = "{network}"' in INIT_TEMPLATE


def test_every_commented_source_example_loads_once_uncommented(tmp_path):
    blocks = INIT_TEMPLATE.split("# [[events.sources]]")[1:]
    assert len(blocks) == 4
    for block in blocks:
        lines = [line.removeprefix("# ") for line in block.strip().splitlines()]
        source = "\n".join(line for line in lines if "=" in line and not line.startswith("#"))
        path = tmp_path / "murmur.toml"
        path.write_text(
            '[[events]]\nslug = "jpo"\ntitle = "JPO"\nhashtags = ["JPO2026"]\n'
            "[[events.sources]]\n" + source + "\n"
        )
        assert len(load_settings(path).events[0].sources) == 1, source


def test_write_init_writes_the_template(tmp_path):
    path = tmp_path / "murmur.toml"
    write_init(path)
    assert path.read_text(encoding="utf-8") == INIT_TEMPLATE
    assert load_settings(path).events[0].slug == "jpo"


def test_write_init_refuses_to_overwrite_an_existing_file(tmp_path):
    path = tmp_path / "murmur.toml"
    path.write_text("# mine\n")
    with pytest.raises(ConfigError) as info:
        write_init(path)
    assert str(info.value).startswith(f"{path}: already exists")
    assert "--force" in str(info.value)
    assert path.read_text() == "# mine\n"


def test_write_init_overwrites_when_forced(tmp_path):
    path = tmp_path / "murmur.toml"
    path.write_text("# mine\n")
    write_init(path, force=True)
    assert path.read_text(encoding="utf-8") == INIT_TEMPLATE


# ---- Loading --------------------------------------------------------------------------


def test_no_config_file_gives_the_defaults_in_the_given_data_folder(tmp_path):
    settings = load_settings(None, data_dir=tmp_path)
    assert settings == Settings(data_dir=tmp_path)


def test_the_result_records_the_config_path_and_data_folder(config, tmp_path):
    settings = config(EVENT)
    assert settings.config_path == Path("murmur.toml")
    assert settings.data_dir == Settings().data_dir
    settings = load_settings(Path("murmur.toml"), data_dir=tmp_path / "data")
    assert settings.data_dir == tmp_path / "data"


def test_a_missing_file_is_named_with_a_hint_to_create_it(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.toml")
    hint = "no such file (create one with `murmur init`)"
    assert str(info.value) == f"{tmp_path / 'nope.toml'}: {hint}"


def test_a_byte_order_mark_from_a_windows_editor_is_accepted(tmp_path):
    path = tmp_path / "murmur.toml"
    path.write_bytes(b"\xef\xbb\xbf" + EVENT.encode("utf-8"))
    assert load_settings(path).events[0].slug == "jpo"


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "murmur.toml"
    path.write_bytes(EVENT.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"murmur\.toml: not UTF-8 text"):
        load_settings(path)


def test_a_toml_syntax_error_names_the_file_and_line(error):
    err = error("[server]\nhost = 127.0.0.1\n")
    assert err.line == 2
    assert str(err).startswith("murmur.toml:2: TOML syntax error: ")
    assert "column" in str(err)


def test_a_string_left_open_points_at_the_last_line(error):
    err = error('[[events]]\nslug = "jpo"\ntitle = """Journées\n')
    assert str(err).startswith("murmur.toml:3: TOML syntax error: ")


# ---- Unknown keys -----------------------------------------------------------------------


def test_an_unknown_top_level_key_is_named_with_its_line(error):
    err = error('# my wall\ntitle = "x"\n')
    assert str(err) == (
        "murmur.toml:2: title: unknown key"
        " (expected one of: server, events, media, desk, store, bus)"
    )


def test_an_unknown_table_points_at_its_header(error):
    err = error(EVENT + "\n[sever]\nport = 80\n")
    assert (err.line, err.key) == (5, "sever")


def test_an_unknown_key_in_server_is_named_with_its_line(error):
    err = error("[server]\nhost = '0.0.0.0'\nprot = 80\n")
    assert str(err).startswith("murmur.toml:3: server.prot: unknown key (expected one of: host,")


def test_an_unknown_key_in_an_event_lists_the_keys_an_event_takes(error):
    err = error(EVENT + 'hashtags = ["JPO2026"]\n\n\n\n\nmoderaton = "post"\n')
    assert str(err) == (
        "murmur.toml:9: events[0].moderaton: unknown key (expected one of: slug, title, "
        "hashtags, moderation, language, rules, sources, display, submissions, privacy, starts_at,"
        " ends_at, replies, answer_on_networks)"
    )


def test_an_unknown_key_in_a_later_source_of_a_later_event_points_at_its_own_line(error):
    text = (
        EVENT
        + '[[events.sources]]\ntype = "demo"\n'  # lines 4-5
        + '[[events]]\nslug = "expo"\ntitle = "Expo"\n'  # lines 6-8
        + "[events.rules]\nblocked_words = []\n"  # lines 9-10
        + '[[events.sources]]\ntype = "demo"\n'  # lines 11-12
        + '[[events.sources]]\ntype = "demo"\nrate = 2\nimage = 1\n'  # lines 13-16
    )
    err = error(text)
    assert str(err) == (
        "murmur.toml:16: events[1].sources[1].image: unknown key "
        "(expected one of: type, rate, images, seed)"
    )


def test_a_key_in_a_dotted_key_or_inline_table_points_at_that_line(error):
    assert error(EVENT + "\nrules.blocked_word = []\n").line == 5
    err = error(EVENT + '\nsources = [\n  {type = "demo"},\n]\nrules = {trusted = []}\n')
    assert (err.line, err.key) == (8, "events[0].rules.trusted")


def test_text_inside_a_multiline_string_is_not_taken_for_tables(error):
    text = EVENT.replace('"Journées portes ouvertes"', '"""JPO\n[server]\nport = 1\n"""')
    err = error(text + 'colour = "red"\n')
    assert (err.line, err.key) == (7, "events[0].colour")


def test_data_dir_in_the_file_is_refused_with_the_option_that_sets_it(error):
    err = error('data_dir = "/srv/murmur"\n')
    assert str(err) == (
        "murmur.toml:1: data_dir: not read from the config file (use the --data option)"
    )


# ---- Wrong values ---------------------------------------------------------------------


def test_an_out_of_range_number_is_named_with_its_key_and_line(error):
    err = error(EVENT + '\n[[events.sources]]\ntype = "demo"\nrate = -1\n')
    assert str(err) == "murmur.toml:7: events[0].sources[0].rate: expected a number > 0, got -1"


@pytest.mark.parametrize(
    ("toml", "key", "message"),
    [
        ("[server]\nport = 70000", "server.port", "expected an integer <= 65535, got 70000"),
        ('[server]\nport = "80"', "server.port", 'expected an integer, got "80"'),
        (
            '[server]\nsecure_cookies = "yes"',
            "server.secure_cookies",
            'expected true or false, got "yes"',
        ),
        (
            '[server]\nallowed_origins = "https://a.example"',
            "server.allowed_origins",
            'expected a list, got "https://a.example"',
        ),
        (
            '[server]\nallowed_origins = ["https://a.example/wall"]',
            "server.allowed_origins[0]",
            "expected an origin",
        ),
        (
            '[server]\nsecret_key_env = "my secret"',
            "server.secret_key_env",
            "expected the name of an environment variable",
        ),
        ("[server]\nsession_hours = 0", "server.session_hours", "expected an integer >= 1, got 0"),
        ("server = 8000", "server", "expected a table, got 8000"),
    ],
)
def test_a_wrong_server_value_names_the_key_and_what_was_expected(error, toml, key, message):
    err = error("# Murmur\n" + toml + "\n")
    assert (err.line, err.key) == (toml.count("\n") + 2, key)
    assert err.problem.startswith(message)


@pytest.mark.parametrize(
    ("toml", "key", "message"),
    [
        ('moderation = "pree"', "events[0].moderation", 'expected "post" or "pre", got "pree"'),
        ('language = "de"', "events[0].language", 'expected "en" or "fr", got "de"'),
        ('hashtags = ["JPO2026", "JPO 2026"]', "events[0].hashtags[1]", "expected a hashtag"),
        (
            "rules.blocked_words = [1]",
            "events[0].rules.blocked_words[0]",
            "expected a string, got 1",
        ),
        (
            '[[events.sources]]\ntype = "demo"\nimages = 1.5',
            "events[0].sources[0].images",
            "expected a number <= 1, got 1.5",
        ),
        (
            '[[events.sources]]\ntype = "demo"\nseed = "x"',
            "events[0].sources[0].seed",
            'expected an integer, got "x"',
        ),
    ],
)
def test_a_wrong_event_value_names_the_key_and_what_was_expected(error, toml, key, message):
    err = error(EVENT + toml + "\n")
    assert (err.line, err.key) == (EVENT.count("\n") + toml.count("\n") + 1, key)
    assert err.problem.startswith(message)


def test_a_bad_slug_says_what_a_slug_is(error):
    err = error(EVENT.replace('"jpo"', '"Portes Ouvertes"'))
    assert (err.line, err.key) == (2, "events[0].slug")
    assert err.problem == (
        "expected a slug (up to 40 lowercase letters, digits and dashes, not starting with a "
        'dash), got "Portes Ouvertes"'
    )


def test_a_missing_required_key_points_at_its_table_header(error):
    err = error("[server]\nport = 8000\n\n[[events]]\ntitle = 'JPO'\n")
    assert str(err) == "murmur.toml:4: events[0].slug: missing required key"


def test_a_duplicate_slug_names_the_second_events_line(error):
    err = error(EVENT + "\n" + EVENT.replace("Journées", "Nuit"))
    assert str(err) == 'murmur.toml:6: events[1].slug: duplicate slug "jpo" (events[0] has it too)'


def test_a_source_without_a_type_is_refused(error):
    err = error(EVENT + "[[events.sources]]\nrate = 1\n")
    assert str(err) == (
        "murmur.toml:4: events[0].sources[0].type: missing required key "
        '(expected "demo", "mastodon", "bluesky", "rss" or "x")'
    )


def test_an_unknown_source_type_lists_the_known_ones(error):
    err = error(EVENT + '[[events.sources]]\ntype = "myspace"\n')
    assert str(err) == (
        "murmur.toml:5: events[0].sources[0].type: "
        'expected "demo", "mastodon", "bluesky", "rss" or "x", got "myspace"'
    )


# ---- Secrets --------------------------------------------------------------------------


def test_env_secret_reads_the_named_variable(monkeypatch):
    monkeypatch.setenv("MURMUR_TEST_TOKEN", "s3cret")
    assert env_secret("MURMUR_TEST_TOKEN") == "s3cret"


def test_env_secret_treats_an_empty_or_unset_variable_as_missing(monkeypatch):
    monkeypatch.setenv("MURMUR_TEST_TOKEN", "")
    assert env_secret("MURMUR_TEST_TOKEN") is None
    monkeypatch.delenv("MURMUR_TEST_TOKEN")
    assert env_secret("MURMUR_TEST_TOKEN") is None


# ---- Store and bus: where they are, never their passwords --------------------------------


def test_a_store_url_with_a_password_is_refused_with_where_it_goes(error):
    err = error('[store]\nurl = "postgresql://murmur:hunter2@db.campus.example/murmur"\n')
    assert "PGPASSWORD" in str(err) and "hunter2" not in str(err)


def test_a_store_url_that_is_not_postgresql_says_what_it_takes(error):
    err = error('[store]\nurl = "mysql://db/murmur"\n')
    assert "postgresql://" in str(err)


def test_a_bus_url_with_a_password_names_password_env(error):
    err = error('[bus]\nurl = "redis://:hunter2@cache.campus.example:6379/0"\n')
    assert "password_env" in str(err) and "hunter2" not in str(err)


def test_store_and_bus_urls_are_read(config):
    settings = config(
        '[store]\nurl = "postgresql://murmur@db.campus.example/murmur"\n'
        '[bus]\nurl = "redis://cache.campus.example:6379/2"\nnamespace = "jpo"\n'
    )
    assert settings.store.url == "postgresql://murmur@db.campus.example/murmur"
    assert settings.bus.url == "redis://cache.campus.example:6379/2"
    assert settings.bus.namespace == "jpo"


def test_a_shared_media_folder_needs_a_shared_store_and_an_absolute_path(error, tmp_path):
    err = error('[media]\ncache_mb = 100\nfolder = "/srv/murmur/media"\n')
    assert (err.line, err.key) == (3, "media.folder")
    assert "set [store] url too" in str(err)
    err = error('[store]\nurl = "postgresql://murmur@db/murmur"\n[media]\nfolder = "media"\n')
    assert (err.line, err.key) == (4, "media.folder")
    assert "an absolute path" in str(err)
    path = tmp_path / "ok.toml"
    path.write_text(
        '[store]\nurl = "postgresql://murmur@db/murmur"\n[media]\nfolder = "/srv/murmur/media"\n'
    )
    assert load_settings(path).media.folder == "/srv/murmur/media"
