"""The database as the web app sees it: one session per request (or CLI command)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory


def init_db(app: Flask) -> None:
    """Create the engine and session factory; close the request's session at teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = make_session_factory(engine)

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    """The app's session factory."""
    factory: sessionmaker[Session] = (app or current_app).extensions["db_sessions"]
    return factory


def db() -> Session:
    """This request's session."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    session: Session = g.db_session
    return session
