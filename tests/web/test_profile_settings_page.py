"""The profile's settings page: the holder sets the HbA1c target ("6,5" as well as "6.5")
and opts out of values extracted from documents; a wrong number is refused in French and
what was typed stays; a professional sees the settings read-only; another space is 404."""

from __future__ import annotations

from fastapi.testclient import TestClient

from espace_sante.bootstrap import Container
from espace_sante.profile import service as profile
from espace_sante.profile.views import SettingsChanges
from tests.dossier_support import person
from tests.helpers import CAMILLE, DR_DURAND, JEANNE
from tests.web.pages import alert, sign_in
from tests.web.test_dossier_pages import as_professional
from tests.web.test_profile_pages import base, post, text


def test_the_holder_sets_the_target_and_opts_out(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/reglages"
    assert 'href="' + url + '"' in text(web.get(base(demo, CAMILLE)))
    saved = post(web, url, objectif_hba1c="6,5", sans_extraction="true")
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?fait=reglages"
    settings = profile.get_settings(demo, person(demo), base(demo, CAMILLE).split("/")[2])
    assert (settings.hba1c_target, settings.extraction_opt_out) == (6.5, True)
    shown = text(web.get(saved.headers["location"]))
    assert "Les réglages du profil sont enregistrés." in shown
    assert 'value="6,5"' in shown and "checked" in shown
    cleared = post(web, url, objectif_hba1c="")  # the box unticked: extraction back on
    assert cleared.status_code == 303
    settings = profile.get_settings(demo, person(demo), base(demo, CAMILLE).split("/")[2])
    assert (settings.hba1c_target, settings.extraction_opt_out) == (None, False)


def test_a_wrong_target_is_refused_and_kept(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    url = f"{base(demo, CAMILLE)}/reglages"
    for typed, message in (("sept", "L'objectif d'HbA1c doit être un nombre, par exemple 7 "
                                    "ou 6,5."), ("40", None)):
        refused = post(web, url, objectif_hba1c=typed)
        assert refused.status_code == 422, refused.text
        assert f'value="{typed}"' in refused.text
        if message:
            assert alert(refused) == message
    settings = profile.get_settings(demo, person(demo), base(demo, CAMILLE).split("/")[2])
    assert settings.hba1c_target is None


def test_a_professional_reads_them_and_strangers_get_404(web: TestClient,
                                                           demo: Container) -> None:
    space = base(demo, JEANNE).split("/")[2]
    profile.update_settings(demo, person(demo, JEANNE), space,
                            SettingsChanges(hba1c_target=7.0))
    as_professional(web, demo, DR_DURAND)
    summary = text(web.get(f"/pro/patients/{space}/profil"))
    assert f'href="/pro/patients/{space}/profil/reglages"' in summary
    page = text(web.get(f"/pro/patients/{space}/profil/reglages"))
    assert "Objectif d'HbA1c (en pourcentage)" in page and "<dd>7</dd>" in page
    assert 'name="objectif_hba1c"' not in page  # read-only for him
    web.cookies.clear()
    sign_in(web, demo, CAMILLE)
    other = web.get("/espaces/00000000-0000-0000-0000-000000000000/profil/reglages")
    assert other.status_code == 404
    refused = web.post("/espaces/00000000-0000-0000-0000-000000000000/profil/reglages",
                       data={"objectif_hba1c": "7", "csrf_token": web.cookies["es_csrf"]})
    assert refused.status_code == 404


def test_the_form_needs_its_csrf_token(web: TestClient, demo: Container) -> None:
    sign_in(web, demo, CAMILLE)
    response = web.post(f"{base(demo, CAMILLE)}/reglages", data={"objectif_hba1c": "7"})
    assert response.status_code == 403
