"""one word, one meaning: review cards become recall cards, a request's review its decision

"Review" is the supervisors' review only. The spaced-repetition schedule of missed questions is
"recall" (review_cards -> recall_cards, its `reviews` count -> `recalls`), and HR's decision on a
training request is a "decision" (reviewed_by_id / reviewed_at / review_note -> decided_by_id /
decided_at / decision_note). Indexes and constraints carry the table and column names in them
(see the naming convention in trainer/extensions.py), so they are renamed too and the migrated
schema stays identical to the models. Rows are kept; SQLite gets its tables rebuilt by batch mode.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CARD_FKS = (('user_id', 'users'), ('question_id', 'bank_questions'))
REQUEST_COLUMNS = (
    ('reviewed_by_id', 'decided_by_id', sa.Integer(), True),
    ('reviewed_at', 'decided_at', sa.DateTime(), True),
    ('review_note', 'decision_note', sa.Text(), False),
)


def _rename_cards(old, new, old_count, new_count):
    op.rename_table(old, new)
    if op.get_context().dialect.name == 'postgresql':
        # Batch mode alters PostgreSQL tables in place; the primary key and the id sequence keep
        # their names through a table rename, so rename them here.
        op.execute(f'ALTER TABLE {new} RENAME CONSTRAINT pk_{old} TO pk_{new}')
        op.execute(f'ALTER SEQUENCE IF EXISTS {old}_id_seq RENAME TO {new}_id_seq')
    with op.batch_alter_table(new, schema=None) as batch_op:
        batch_op.alter_column(old_count, new_column_name=new_count,
                              existing_type=sa.Integer(), existing_nullable=False)
        batch_op.drop_index(f'ix_{old}_due')
        batch_op.drop_index(f'ix_{old}_user_id')
        for column, target in CARD_FKS:
            batch_op.drop_constraint(f'fk_{old}_{column}_{target}', type_='foreignkey')
        if op.get_context().dialect.name != 'postgresql':
            # SQLite: the rebuilt table takes its primary key's name from here.
            batch_op.drop_constraint(f'pk_{old}', type_='primary')
            batch_op.create_primary_key(f'pk_{new}', ['id'])
        for column, target in CARD_FKS:
            batch_op.create_foreign_key(f'fk_{new}_{column}_{target}', target, [column], ['id'])
        batch_op.create_index(f'ix_{new}_due', ['due'], unique=False)
        batch_op.create_index(f'ix_{new}_user_id', ['user_id'], unique=False)


def _rename_request_columns(pairs, old_by, new_by):
    with op.batch_alter_table('training_requests', schema=None) as batch_op:
        batch_op.drop_constraint(f'fk_training_requests_{old_by}_users', type_='foreignkey')
        for old, new, type_, nullable in pairs:
            batch_op.alter_column(old, new_column_name=new, existing_type=type_, existing_nullable=nullable)
    # A second batch: SQLite's rebuild would silently leave out a foreign key on a column renamed in the same batch.
    with op.batch_alter_table('training_requests', schema=None) as batch_op:
        batch_op.create_foreign_key(f'fk_training_requests_{new_by}_users', 'users', [new_by], ['id'])


def upgrade():
    _rename_cards('review_cards', 'recall_cards', 'reviews', 'recalls')
    _rename_request_columns(REQUEST_COLUMNS, 'reviewed_by_id', 'decided_by_id')


def downgrade():
    _rename_request_columns([(new, old, type_, nullable) for old, new, type_, nullable in REQUEST_COLUMNS],
                            'decided_by_id', 'reviewed_by_id')
    _rename_cards('recall_cards', 'review_cards', 'recalls', 'reviews')
