"""Setting up a database: the org tree, roles and bundled processes (idempotent)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from models import ROLE_NAMES, OrgUnit, ProcessDefinition, Role
from models.jinzhong import org_rows
from workflows import definitions, registration

BUNDLED_BPMN = Path(__file__).parent / "bpmn"


def seed_org_tree(session: Session) -> int:
    """Insert or update the Jinzhong org units; returns how many there are."""
    rows = org_rows()
    for values in rows:
        unit = session.get(OrgUnit, values["code"]) or OrgUnit(code=values["code"])
        for key, value in values.items():
            setattr(unit, key, value)
        session.add(unit)
        session.flush()
    return len(rows)


def seed_roles(session: Session) -> None:
    """The role keys with their Chinese names."""
    for key, name in ROLE_NAMES.items():
        role = session.get(Role, key) or Role(key=key)
        role.name = name
        session.add(role)


def deploy_bundled(session: Session, folder: Path = BUNDLED_BPMN) -> list[ProcessDefinition]:
    """Deploy every BPMN file of a folder (unchanged files are left as they are)."""
    return [definitions.deploy_file(session, path.read_bytes()) for path in sorted(folder.glob("*.bpmn"))]


def initialize(session: Session) -> list[ProcessDefinition]:
    """Seed reference data and deploy the bundled processes, in one transaction."""
    seed_roles(session)
    seed_org_tree(session)
    registration.seed_registration_rules(session)
    deployed = deploy_bundled(session)
    session.commit()
    return deployed
