"""narrow write locks: the audit chain's head row, unpublished live messages

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('live_messages',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('person_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_live_messages_event_id_events')),
    sa.PrimaryKeyConstraint('event_id', 'seq', name=op.f('pk_live_messages'))
    )
    # The head continues the chain that is there: its last hash and how many entries it holds.
    connection = op.get_bind()
    last = connection.execute(sa.text(
        "SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1")).scalar()
    count = connection.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar() or 0
    connection.execute(sa.text(
        "INSERT INTO audit_head (id, last_hash, entries) VALUES (1, :hash, :count)"),
        {"hash": last or GENESIS_HASH, "count": count})


def downgrade() -> None:
    op.drop_table('live_messages')
    op.drop_table('audit_head')
