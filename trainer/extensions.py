"""Extension singletons, bound to an app in `create_app` so tests can build many apps."""

import contextlib
import logging
from typing import TYPE_CHECKING, Any, ClassVar, cast

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Executable

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel
    from sqlalchemy import Table
    from sqlalchemy.engine import CursorResult
    from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class _SafeTeardownSQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy whose end-of-request cleanup can never turn a finished answer into a 500.

    Closing the session rolls back the transaction a view left open (a read after its commit). When the
    database went away in between (a restart, a dropped connection), that rollback raises inside Flask's
    teardown, after the response was built: the exception escapes Flask and gunicorn answers a bare 500
    although the work was committed. The connection is dead either way, so it is dropped and the answer
    stands.
    """

    def _teardown_session(self, exc: BaseException | None) -> None:
        try:
            self.session.remove()
        except SQLAlchemyError:
            logging.getLogger(__name__).warning("closing the database session failed; connection dropped",
                                                exc_info=True)
            with contextlib.suppress(SQLAlchemyError):
                self.session().invalidate()
            self.session.registry.clear()


db = _SafeTeardownSQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()

# The models' base class. It is `db.Model`; a type checker cannot use an attribute of an instance as a base
# class, so it is told what `db.Model` is: a declarative base (keyword constructor, `metadata`) with
# Flask-SQLAlchemy's `query`, whose models each map one `Table`.
if TYPE_CHECKING:
    class Model(_FlaskModel, DeclarativeBase):
        __table__: ClassVar[Table]
else:
    Model = db.Model


def rows_matched(statement: Executable) -> int:
    """Execute an UPDATE or DELETE in the session; the number of rows its WHERE clause matched."""
    # The session returns a CursorResult for these; its signature promises only a Result (which has no rowcount).
    return cast("CursorResult[Any]", db.session.execute(statement)).rowcount
