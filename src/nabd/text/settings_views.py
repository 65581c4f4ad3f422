"""Settings → Text analytics: the workspace's taxonomy, its discovered topics and its models."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.i18n import N_
from nabd.text import discovery_service, training_service, workspace_topics
from nabd.text.workspace_topics_schemas import TopicCreate, TopicUpdate, phrases_from_lines
from nabd.web.form_errors import field_errors
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(
    prefix="/settings/text", dependencies=[Depends(check_csrf)], include_in_schema=False
)

ManageTopics = Annotated[Principal, Depends(require(Permission.TEXT_TOPICS_MANAGE))]
ManageModels = Annotated[Principal, Depends(require(Permission.TEXT_MODELS_MANAGE))]
TOPICS_PAGE = "/settings/text/topics"
MODELS_PAGE = "/settings/text/models"


@router.get("")
def text_settings_home(principal: ManageTopics) -> Response:
    return RedirectResponse(TOPICS_PAGE, status_code=303)


def _topics_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    workspace_id = principal.workspace_id
    return render_page(
        request,
        "text/settings_topics.html",
        {
            "topics": workspace_topics.list_topics(session, workspace_id=workspace_id),
            "taxonomy_version": workspace_topics.taxonomy_version(
                session, workspace_id=workspace_id
            ),
            "form": form or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/topics")
def topics_page(request: Request, session: DbSession, principal: ManageTopics) -> Response:
    return _topics_page(request, session, principal)


@router.post("/topics")
def create_topic(
    request: Request,
    session: DbSession,
    principal: ManageTopics,
    key: Annotated[str, Form()] = "",
    label_ar: Annotated[str, Form()] = "",
    label_en: Annotated[str, Form()] = "",
    phrases: Annotated[str, Form()] = "",
) -> Response:
    """Add a workspace topic (also the target of "promote" on a discovered topic)."""
    form = {"key": key, "label_ar": label_ar, "label_en": label_en, "phrases": phrases}
    try:
        data = TopicCreate.model_validate({**form, "phrases": phrases_from_lines(phrases)})
    except ValidationError as error:
        return _topics_page(
            request,
            session,
            principal,
            form=form,
            errors=field_errors(request, error),
            status_code=422,
        )
    workspace_topics.create_topic(
        session, workspace_id=principal.workspace_id, data=data, actor=principal.actor
    )
    flash(request, N_("Added the topic %(key)s."), key=data.key)
    return RedirectResponse(TOPICS_PAGE, status_code=303)


@router.post("/topics/{topic_key}")
def update_topic(
    request: Request,
    session: DbSession,
    principal: ManageTopics,
    topic_key: str,
    phrases: Annotated[str, Form()] = "",
    label_ar: Annotated[str, Form()] = "",
    label_en: Annotated[str, Form()] = "",
) -> Response:
    """Replace a topic's added phrases (and a workspace topic's names)."""
    try:
        changes = TopicUpdate.model_validate(
            {
                "phrases": phrases_from_lines(phrases),
                "label_ar": label_ar or None,
                "label_en": label_en or None,
            }
        )
    except ValidationError as error:
        return _topics_page(
            request, session, principal, errors=field_errors(request, error), status_code=422
        )
    workspace_topics.update_topic(
        session,
        workspace_id=principal.workspace_id,
        key=topic_key,
        changes=changes,
        actor=principal.actor,
    )
    flash(request, N_("Saved the topic %(key)s."), key=topic_key)
    return RedirectResponse(TOPICS_PAGE, status_code=303)


@router.post("/topics/{topic_key}/enabled")
def set_topic_enabled(
    request: Request,
    session: DbSession,
    principal: ManageTopics,
    topic_key: str,
    enabled: Annotated[bool, Form()] = False,
) -> Response:
    """Switch a topic on or off (a shipped topic cannot be deleted, only switched off)."""
    workspace_topics.update_topic(
        session,
        workspace_id=principal.workspace_id,
        key=topic_key,
        changes=TopicUpdate(enabled=enabled),
        actor=principal.actor,
    )
    message = N_("Switched on %(key)s.") if enabled else N_("Switched off %(key)s.")
    flash(request, message, key=topic_key)
    return RedirectResponse(TOPICS_PAGE, status_code=303)


@router.post("/topics/{topic_key}/delete")
def delete_topic(
    request: Request, session: DbSession, principal: ManageTopics, topic_key: str
) -> Response:
    workspace_topics.delete_topic(
        session, workspace_id=principal.workspace_id, key=topic_key, actor=principal.actor
    )
    flash(request, N_("Deleted the topic %(key)s."), key=topic_key)
    return RedirectResponse(TOPICS_PAGE, status_code=303)


@router.get("/discovered")
def discovered_page(request: Request, session: DbSession, principal: ManageTopics) -> Response:
    """Clusters of the latest comments no topic covers, computed now."""
    discovery = discovery_service.discover_workspace_topics(
        session, workspace_id=principal.workspace_id
    )
    return render_page(request, "text/settings_discovered.html", {"discovery": discovery})


@router.get("/models")
def models_page(request: Request, session: DbSession, principal: ManageTopics) -> Response:
    """The workspace's trained versions against the shipped model, on held-out data."""
    versions = training_service.list_versions(session, workspace_id=principal.workspace_id)
    return render_page(
        request,
        "text/settings_models.html",
        {
            "versions": versions,
            "shipped_active": not any(version.is_active for version in versions),
            "can_switch": principal.can(Permission.TEXT_MODELS_MANAGE),
            "transformer_path": training_service.transformer_in_use(
                session, workspace_id=principal.workspace_id
            ),
            "backend": training_service.backend_in_use(
                session, workspace_id=principal.workspace_id
            ),
        },
    )


@router.post("/models/shipped/activate")
def activate_shipped_model(
    request: Request, session: DbSession, principal: ManageModels
) -> Response:
    training_service.activate_model(
        session,
        workspace_id=principal.workspace_id,
        version_id=None,
        models_root=request.app.state.settings.data_dir,
        actor=principal.actor,
    )
    flash(request, N_("The shipped model is in use again."))
    return RedirectResponse(MODELS_PAGE, status_code=303)


@router.post("/models/{model_version_id}/activate")
def activate_model_version(
    request: Request, session: DbSession, principal: ManageModels, model_version_id: int
) -> Response:
    version = training_service.activate_model(
        session,
        workspace_id=principal.workspace_id,
        version_id=model_version_id,
        models_root=request.app.state.settings.data_dir,
        actor=principal.actor,
    )
    flash(request, N_("Model %(version)s is in use."), version=version.version if version else "")
    return RedirectResponse(MODELS_PAGE, status_code=303)
