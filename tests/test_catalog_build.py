"""The seed build's per-track inferences: language, explicit flag, tags, copies, families."""

from __future__ import annotations

import pytest

from catalog import build_explicit, build_families
from catalog.build import GENRE_FAMILY
from catalog.build_copies import copy_of, fold_title
from catalog.build_tags import Row, row_tags, tag_rows


@pytest.fixture(scope="module")
def detect():
    """languages() for one batch of (title, artist, genres[, instrumentalness, speechiness]) fixture tracks."""
    pytest.importorskip("lingua")
    from catalog.build_language import languages

    def run(tracks):
        rows = [(*t, 0.0, 0.05) if len(t) == 3 else t for t in tracks]
        return languages([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                         [r[3] for r in rows], [r[4] for r in rows])
    return run


def test_script_names_the_language(detect):
    tracks = [("Кукла колдуна", "Король и Шут", []), ("Обійми", "Океан Ельзи", []), ("사랑은 늘 도망가", "Lim", []),
              ("残酷な天使のテーゼ", "Yoko", []), ("告白気球", "Jay", ["j-pop"]), ("晴天", "Jay Chou", ["mandopop"]),
              ("तुम ही हो", "Arijit Singh", []), ("நீ கவிதைகளா", "Harris", []), ("മഴയിൽ", "Manjari", []),
              ("دلم گرفته", "Ebi", ["iranian"]), ("Dynamite", "방탄소년단", [])]
    assert detect(tracks) == ["ru", "uk", "ko", "ja", "ja", "zh", "hi", "ta", "ml", "fa", "ko"]


def test_latin_languages_from_title_and_the_artists_other_titles(detect):
    tracks = [
        ("Corazón partido", "Alejandro", []), ("Cuando me enamoro de ti", "Alejandro", []), ("Amor", "Alejandro", []),
        ("Eu sei que vou te amar", "Tom", []), ("Águas de março", "Tom", []), ("Garota", "Tom", []),
        ("Ich will nicht nach Hause gehen", "Kai", []), ("Du hast mich verlassen", "Kai", []),
        ("Je ne regrette rien du tout", "Edith", []), ("La vie en rose pour toujours", "Edith", []),
        ("Nel blu dipinto di blu", "Domenico", []), ("Volare come un uccello", "Domenico", []),
        ("Seni çok özledim bu gece", "Tarkan", []), ("Şımarık", "Tarkan", []),
        ("Honest", "rei brown", ["chill"]), ("Tere Bina Jiya Jaye Na", "Lata", []),
    ]
    assert detect(tracks) == ["es"] * 3 + ["pt"] * 3 + ["de"] * 2 + ["fr"] * 2 + ["it"] * 2 + ["tr"] * 2 + ["en", "hi"]


def test_romanised_titles_the_identifier_cannot_name_are_not_english(detect):
    tracks = [("Munbe Vaa", "Tamil Singer", ["hip-hop"]), ("Pathala Pathala", "Tamil Singer", ["hip-hop"]),
              ("Kanave Kanave", "Tamil Singer", ["hip-hop"]),
              ("Hayloft", "Mother Mother", ["indie"]), ("Burning Pile", "Mother Mother", ["indie"]),
              ("The Stand", "Mother Mother", ["indie"]), ("Honeypie", "JAWNY", ["indie-pop"]),
              ("RepeatInfinite", "surrenderdorothy", ["emo"])]
    assert detect(tracks) == ["und"] * 3 + ["en"] * 5  # one odd word in an English artist's titles stays English


def test_region_genre_tips_a_short_title(detect):
    assert detect([("Vida", "Zeca", ["mpb"]), ("Yaara", "Mamta Sharma", ["pop-film"])]) == ["pt", "hi"]


def test_tracks_without_vocals_are_zxx(detect):
    tracks = [("Clair de lune", "Debussy", ["classical"], 0.92, 0.04),   # calm genre: 0.5 is enough
              ("Rain Sound: Pouring", "Rain Sounds", ["sleep"], 0.99, 0.07),
              ("Strobe", "deadmau5", ["edm"], 0.7, 0.05),                   # elsewhere 0.75 is needed
              ("Levels", "Avicii", ["edm"], 0.9, 0.04)]
    assert detect(tracks) == ["zxx", "zxx", "en", "zxx"]


def _track(i, artist, title, flag=None, genres=("rock",), year=2015, speech=0.05):
    return build_explicit.Track(f"id{i}", artist, title, list(genres), year, flag, speech)


def test_explicit_inference_errs_toward_explicit():
    known = [_track(0, "Ann", "Song - Remastered", 1), _track(1, "Bea", "Tune", 0)]
    known += [_track(10 + k, "Cal", f"Song {k}", 0) for k in range(build_explicit.MIN_HISTORY)]
    known += [_track(30, "Dan", "One", 1)]
    evidence = build_explicit.Evidence.of(known)
    cases = {
        "explicit copy of the same song": (_track(100, "Ann", "Song"), (1, "same song")),
        "clean copy (feat. folded)": (_track(101, "Bea", "Tune (feat. X)"), (0, "same song")),
        "swearing in the title": (_track(102, "Eve", "Fuck It Up"), (1, "title")),
        "clean artist history": (_track(103, "Cal", "New"), (0, "artist")),
        "clean history, but rap": (_track(104, "Cal", "New", genres=("rap",)), (1, "default")),
        "clean history, but speechy": (_track(105, "Cal", "New", speech=0.4), (1, "default")),
        "one explicit song of the artist": (_track(106, "Dan", "Two"), (1, "artist")),
        "unknown artist, 1975 rock": (_track(107, "Fay", "Old", year=1975), (0, "era")),
        "unknown artist, today": (_track(108, "Fay", "New"), (1, "default")),
        "too little history": (_track(109, "Cal", "x", year=None), (0, "artist")),
    }
    assert {name: build_explicit.infer(t, evidence) for name, (t, _) in cases.items()} == \
        {name: want for name, (_, want) in cases.items()}


def test_explicit_evaluation_hides_each_tracks_own_flag():
    flagged = [_track(k, "Cal", f"Song {k}", 0) for k in range(build_explicit.MIN_HISTORY + 1)]
    flagged.append(_track(50, "Gil", "Lone", 1))
    result = build_explicit.evaluate(flagged, build_explicit.Evidence.of(flagged))
    # Each of Cal's songs still has MIN_HISTORY others; Gil's lone song has no evidence left but its own.
    assert (result.called_clean, result.leaked, result.explicit, result.caught) == \
        (build_explicit.MIN_HISTORY + 1, 0, 1, 1)


def _row(title, album="", artists="X", genres=(), instrumentalness=0.0, speechiness=0.05, artist_family=""):
    return Row(title, album, artists, list(genres), instrumentalness, speechiness, artist_family)


@pytest.mark.parametrize("row, tags", [
    (_row("White Christmas"), {"holiday"}),
    (_row("Cold December Night", album="Christmas (Deluxe)"), {"holiday"}),
    (_row("Lullaby", artists="Nickelback"), set()),
    (_row("Sleep", artists="Radiohead"), set()),
    (_row("Come on Let's Jump", artists="The Wiggles", genres=["children"]), {"children"}),
    (_row("Hello (In the Style of Adele) [Karaoke Version]"), {"cover"}),
    (_row("Enter Sandman", album="Rockabye Baby! Lullaby Renditions of Metallica"), {"cover"}),
    (_row("Rain Sound: Pouring", artists="Rain Sounds XLE Library", genres=["sleep"], instrumentalness=0.99),
     {"sleep"}),
    (_row("Dogs", artists="Andy Hendrickson", genres=["comedy"], speechiness=0.93), {"spoken"}),
    (_row("Oceans", artists="Hillsong UNITED"), {"worship"}),
    (_row("missing us", genres=["chill"], instrumentalness=0.9), {"lofi"}),
    (_row("Hymn for the Weekend", artists="Coldplay"), set()),
    (_row("Air", artists="Johann Sebastian Bach", genres=["sleep"], instrumentalness=0.9,
          artist_family="classical/instrumental"), set()),
    (_row("Black Label", album="New American Gospel", artists="Lamb of God"), set()),
    (_row("Hit a Muthafucka", album="Chapter 2: World Domination"), set()),
    (_row("Kapitel 12", album="Die drei ???", speechiness=0.5), {"spoken"}),
])
def test_tags(row, tags):
    assert row_tags(row) == tags


def test_artist_wide_tags_spread_to_the_artists_other_tracks():
    rows = [_row("A", artists="Bethel Music", genres=["world-music"]), _row("B", artists="Bethel Music",
            genres=["world-music"]), _row("Stand In Your Love", artists="Bethel Music", genres=["ambient"]),
            _row("C", artists="Solo", genres=["world-music"]), _row("Pop", artists="Solo"),
            _row("Pop 2", artists="Solo")]
    assert tag_rows(rows, [r.artists for r in rows]) == ["worship", "worship", "worship", "worship", "", ""]


def test_copies_fold_versions_but_not_remixes():
    assert fold_title("Here Comes The Sun - Remastered 2009") == fold_title("Here Comes the Sun") == \
        fold_title("Here Comes The Sun (Live)") == fold_title("Here Comes The Sun - 2011 Mix")
    assert fold_title("Dancing Queen - Radio Edit") == fold_title("Dancing Queen (feat. Someone)")
    assert fold_title("Piece Of Your Heart - Alok Remix") != fold_title("Piece Of Your Heart")
    ids = ["a", "b", "c", "d", "e"]
    artists = ["MEDUZA", "Meduza", "MEDUZA", "Other", "MEDUZA"]
    titles = ["Piece Of Your Heart", "Piece of Your Heart - Radio Edit", "Piece Of Your Heart - Alok Remix",
              "Piece Of Your Heart", "Piece Of Your Heart (Live)"]
    popularity = [0.0, 77.0, 30.0, 5.0, 77.0]
    known_clean = [True, False, True, True, True]
    # b and e tie at 77: e has a known clean flag, so e is the song; a and b point at it.
    assert copy_of(ids, artists, titles, popularity, known_clean) == ["e", "e", "", "", ""]


def _family(genres, title="x", artist_family="", language="en", instrumentalness=0.0, speechiness=0.05,
            danceability=0.5, energy=0.5, acousticness=0.0, artist_instrumental=0.0):
    track = build_families.Track(title, artist_family, language, instrumentalness, speechiness, danceability, energy,
                                 acousticness, artist_instrumental)
    return build_families.track_family(genres, track, GENRE_FAMILY)


def test_families_of_the_mixed_genres():
    assert _family(["chill"]) == "pop"                                       # Pink Sweat$, keshi
    assert _family(["chill"], artist_family="r&b/soul") == "r&b/soul"
    assert _family(["chill"], instrumentalness=0.9) == "electronic"          # lo-fi beats
    assert _family(["piano"], instrumentalness=0.9) == "classical/instrumental"
    assert _family(["piano"], artist_family="pop") == "pop"                  # OneRepublic
    assert _family(["reggae"], language="es") == "latin"                     # reggaeton
    assert _family(["reggae"], language="en") == "world"                     # Bob Marley
    assert _family(["happy"]) == _family(["study"], instrumentalness=0.3) == "electronic"
    assert _family(["j-dance"]) == "world"                                   # dancehall
    assert _family(["comedy"]) == ""
    assert _family(["hardcore"], speechiness=0.3, danceability=0.8) == "hip-hop"   # Nas, Gang Starr
    assert _family(["hardcore"]) == "rock"                                   # hardcore punk
    assert _family(["hardcore"], artist_family="metal") == "metal"           # metalcore
    assert _family(["sleep"], instrumentalness=0.2) == "classical/instrumental"  # white noise
    assert _family(["dub"], energy=0.9) == "electronic" and _family(["dub"], energy=0.4) == "world"
    assert _family(["j-dance"], language="ja") == "pop"
    assert _family(["world-music"]) == "pop" and _family(["world-music"], language="pt") == "world"
    assert _family(["piano"], artist_family="jazz/blues", instrumentalness=0.9) == "jazz/blues"
    assert _family(["piano"], artist_family="latin") == "pop"                # The Fray in a "latin" playlist
    assert _family(["german"], title="Cantata BWV 147: Jesu Joy of Man's Desiring", instrumentalness=0.93) == \
        "classical/instrumental"
    assert _family(["german"], speechiness=0.4) == "hip-hop"
    assert _family(["german"]) == "pop"
    assert _family(["malay"], language="ml") == "world" and _family(["malay"], language="id") == "pop"
    assert _family(["rock", "comedy"]) == "rock"


def test_artist_family_ignores_the_mixed_genres():
    families = build_families.artist_families(["A", "A", "A"], [["piano"], ["pop"], ["chill"]], GENRE_FAMILY)
    assert families == {"A": "pop"}


def test_family_vote_of_playlists_regions_and_the_artist():
    assert _family(["swedish"]) == "pop"                                      # ABBA, in English
    assert _family(["swedish"], language="sv") == "world"                     # nothing but the region
    assert _family(["french", "indie"], artist_family="pop") == "pop"         # a region names no style
    assert _family(["disco"], artist_family="rock") == "rock"                 # Bonnie Tyler
    assert _family(["electro", "r&b", "urban-contemporary"], artist_family="pop") == "pop"   # Billie Eilish
    assert _family(["blues", "punk-rock"], artist_family="rock") == "rock"    # Cage The Elephant
    assert _family(["deep-house", "latin", "tropical"], artist_family="electronic") == "electronic"  # Robin Schulz
    assert _family(["metal"], artist_family="rock", energy=0.5) == "rock"     # Bon Jovi's "Always"
    assert _family(["funk", "metal"], artist_family="rock", energy=0.8) == "rock"   # Red Hot Chili Peppers
    assert _family(["rock", "hard-rock"], artist_family="metal") == "metal"   # a metalcore band's rock-playlist copy
    assert _family(["latin"], artist_family="latin") == "pop"                 # Enrique Iglesias's "Heartbeat"
    assert _family(["latin"], artist_family="latin", language="es") == "latin"
    assert _family(["disco"]) == "r&b/soul"                                   # a disco seed with nothing else known


def test_artist_family_is_a_weighted_vote_without_regions():
    families = build_families.artist_families(
        ["A"] * 5 + ["B"] * 2, [["disco"], ["disco"], ["disco"], ["rock"], ["album-rock"], ["swedish"], ["pop"]],
        GENRE_FAMILY)
    assert families == {"A": "rock", "B": "pop"}


def test_romanised_indian_titles_by_their_artists_words_and_films(detect):
    pytest.importorskip("wordfreq")
    tracks = [
        # Indian seeds: known to be Indian by the region genre
        ("Tum Hi Ho", "Arijit Singh", ["pop-film"]), ("Channa Mereya", "Arijit Singh", ["pop-film"]),
        ("Kesariya", "Sid Sriram", ["indian"]), ("Inkem Inkem", "Sid Sriram", ["indian"]),
        # a composer filed under hip-hop whose singers have Indian songs: Tamil titles English does not know
        ("Dippam Dappam", "Anirudh Ravichander; Sid Sriram", ["hip-hop"]),
        ("Yennai Maatrum Kadhale", "Anirudh Ravichander; Sid Sriram", ["hip-hop"]),
        ("Chellamma", "Anirudh Ravichander; Arijit Singh", ["hip-hop"]),
        # ...and an English-worded film song of his: a film song of an Indian artist is Indian
        ("Private Party (From \"Don\")", "Anirudh Ravichander; Arijit Singh", ["hip-hop"]),
        # an Indian singer's English song stays English; an English band with an unknown word too
        ("Full Time Lover", "Prateek; Arijit Singh", ["singer-songwriter"]),
        ("Zombie Kalimba", "The Westerners", ["rock"]),
        ("Hrudayama (From \"Major - Telugu\")", "Sid Sriram", ["indie"]),      # the title names the language
    ]
    rows = [(t, a.split("; ")[0], g) for t, a, g in tracks]
    from catalog.build_language import languages

    found = languages([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [0.0] * len(rows),
                      [0.05] * len(rows), [""] * len(rows), [a.split("; ") for _, a, _ in tracks])
    assert found[4:] == ["hi", "hi", "hi", "hi", "en", "en", "te"]


def test_cover_acts_and_instrumental_versions_without_a_marker():
    from catalog.build_covers import covers

    originals = [("Toxic", "Britney Spears", 80), ("A Thousand Years", "Christina Perri", 85),
                 ("Bad Romance", "Lady Gaga", 80), ("Rolling in the Deep", "Adele", 82),
                 ("Take Me to Church", "Hozier", 84), ("Every Breath You Take", "The Police", 83),
                 ("Dancing Queen", "ABBA", 80), ("Shape of You", "Ed Sheeran", 88)]
    act = [("Toxic", 40), ("Shape of You", 41), ("A Thousand Years (Glee Cast Version)", 38), ("Bad Romance", 41),
           ("Rolling in the Deep - Glee Cast Version", 35), ("Take Me to Church", 44), ("Our Own Song", 30)]
    rows = ([(t, a, p, True, 0.1) for t, a, p in originals] + [(t, "Glee Cast", p, True, 0.2) for t, p in act]
            + [("Every Breath You Take", "Tomas Lee", 55, False, 0.99),     # a piano version
               ("Dancing Queen", "Synth Act", 20, False, 0.05),             # an electronic instrumental: left alone
               ("Home", "Some Band", 10, True, 0.2)])                        # one shared word is no cover
    result = covers([r[0] for r in rows], [r[1] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                    [r[3] for r in rows], [r[4] for r in rows])
    assert result == [False] * len(originals) + [True] * len(act) + [True, False, False]


def test_what_is_heard_overrides_the_genres():
    assert _family(["hip-hop"], language="hi") == "world"                   # a Tamil film song under hip-hop
    assert _family(["hip-hop"], language="hi", speechiness=0.3, danceability=0.8) == "hip-hop"   # Punjabi rap
    assert _family(["hip-hop"], title='So Baby (From "Doctor")', language="hi", speechiness=0.3,
                   danceability=0.8) == "world"                             # a film's dance number
    # a film or anime score cue is not pop: a composer's (most of their tracks without vocals)...
    assert _family(["anime"], language="zxx", instrumentalness=0.6, artist_instrumental=0.8,
                   danceability=0.7) == "electronic"
    assert _family(["show-tunes"], language="zxx", instrumentalness=0.7, acousticness=0.8,
                   artist_instrumental=0.9) == "classical/instrumental"
    # ...or one surely without vocals by an artist who is not mostly a singer; a singer's is a song mixed low
    assert _family(["anime"], language="zxx", instrumentalness=0.9, artist_instrumental=0.5, acousticness=0.8) == \
        "classical/instrumental"
    assert _family(["indie-pop"], language="zxx", instrumentalness=0.96, artist_instrumental=0.1) == "pop"
    assert _family(["british"], language="zxx", instrumentalness=0.9, acousticness=0.9) == "classical/instrumental"
    assert _family(["british"], acousticness=0.9) == "folk/acoustic" and _family(["british"]) == "pop"


def test_the_artist_decides_between_a_lone_genre_and_their_other_songs():
    assert _family(["blues", "jazz"], artist_family="r&b/soul") == "r&b/soul"    # Aretha Franklin
    assert _family(["folk", "permanent-wave"], artist_family="folk/acoustic") == "folk/acoustic"  # Simon & Garfunkel
    assert _family(["edm"], title="Move Your Body - Alan Walker Remix", artist_family="pop") == "electronic"
    assert _family(["rock", "album-rock"], artist_family="pop") == "rock"        # two genres agree
    assert _family(["reggae"], artist_family="pop") == "world"                  # a per-track rule weighed the track
    assert _family(["latin", "tropical"], title="Desire - Gryffin Remix", artist_family="pop") == "electronic"
    assert _family(["electro"], artist_family="pop") == "pop"                    # Carly Rae Jepsen under electro
    assert _family(["electro"]) == "electronic" and _family(["garage"], artist_family="electronic") == "electronic"


def test_overrides_are_data_with_a_reason(tmp_path):
    from catalog.build_overrides import OVERRIDES_FILE, Overrides

    shipped = Overrides.read(OVERRIDES_FILE)
    assert shipped.apply("language", ["Grouper", "Other"], ["zxx", "zxx"]) == ["en", "zxx"]
    bad = tmp_path / "o.csv"
    bad.write_text("artist,field,value,reason\nX,family,rock,\n")
    with pytest.raises(ValueError, match="reason"):
        Overrides.read(bad)
