"""the unit of each audit entry; live message numbers per unit of an event

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 02:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_entries') as batch:
        batch.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_audit_entries_unit_id'), ['unit_id'])
    op.create_table('event_unit_sequences',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'],
                            name=op.f('fk_event_unit_sequences_event_id_events')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                            name=op.f('fk_event_unit_sequences_unit_id_units')),
    sa.PrimaryKeyConstraint('event_id', 'unit_id', name=op.f('pk_event_unit_sequences')))
    with op.batch_alter_table('live_messages') as batch:
        batch.add_column(sa.Column('unit_seqs', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('live_messages') as batch:
        batch.drop_column('unit_seqs')
    op.drop_table('event_unit_sequences')
    with op.batch_alter_table('audit_entries') as batch:
        batch.drop_index(batch.f('ix_audit_entries_unit_id'))
        batch.drop_column('unit_id')
