"""relocation: households, their reports and states, shelter arrivals; posts.capacity, alerts.unit_id

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 11:22:22
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('head_name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('vulnerable', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('shelter_post_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shelter_post_id'], ['posts.id'], name=op.f('fk_households_shelter_post_id_posts')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_households_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('unit_id', 'phone', name='uq_households_unit_phone')
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_shelter_post_id'), ['shelter_post_id'], unique=False)
        batch_op.create_index('ix_households_unit_tally', ['unit_id', 'active', 'people', 'vulnerable', 'lat', 'lon'], unique=False)

    op.create_table('relocation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reporter', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('shelter_post_id', sa.Integer(), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_relocation_reports_event_id_events')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_relocation_reports_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_relocation_reports_person_id_people')),
    sa.ForeignKeyConstraint(['shelter_post_id'], ['posts.id'], name=op.f('fk_relocation_reports_shelter_post_id_posts')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_relocation_reports_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_relocation_reports_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relocation_reports')),
    sa.UniqueConstraint('client_id', name=op.f('uq_relocation_reports_client_id'))
    )
    with op.batch_alter_table('relocation_reports', schema=None) as batch_op:
        batch_op.create_index('ix_relocation_reports_event_household', ['event_id', 'household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relocation_reports_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relocation_reports_unit_id'), ['unit_id'], unique=False)

    op.create_table('shelter_arrivals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('shelter_post_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reporter', sa.String(length=200), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_shelter_arrivals_event_id_events')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_shelter_arrivals_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_shelter_arrivals_person_id_people')),
    sa.ForeignKeyConstraint(['shelter_post_id'], ['posts.id'], name=op.f('fk_shelter_arrivals_shelter_post_id_posts')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_shelter_arrivals_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_shelter_arrivals_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shelter_arrivals')),
    sa.UniqueConstraint('client_id', name=op.f('uq_shelter_arrivals_client_id'))
    )
    with op.batch_alter_table('shelter_arrivals', schema=None) as batch_op:
        batch_op.create_index('ix_shelter_arrivals_event_shelter', ['event_id', 'shelter_post_id'], unique=False)
        batch_op.create_index('ix_shelter_arrivals_event_unit', ['event_id', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shelter_arrivals_household_id'), ['household_id'], unique=False)

    op.create_table('household_states',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('vulnerable', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('shelter_post_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_household_states_event_id_events')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_states_household_id_households')),
    sa.ForeignKeyConstraint(['report_id'], ['relocation_reports.id'], name=op.f('fk_household_states_report_id_relocation_reports')),
    sa.ForeignKeyConstraint(['shelter_post_id'], ['posts.id'], name=op.f('fk_household_states_shelter_post_id_posts')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_household_states_unit_id_units')),
    sa.PrimaryKeyConstraint('event_id', 'household_id', name=op.f('pk_household_states'))
    )
    with op.batch_alter_table('household_states', schema=None) as batch_op:
        batch_op.create_index('ix_household_states_tally', ['event_id', 'active', 'unit_id', 'status', 'people', 'vulnerable'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_alerts_unit_id_units'), 'units', ['unit_id'], ['id'])

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('capacity')

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alerts_unit_id_units'), type_='foreignkey')
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('household_states', schema=None) as batch_op:
        batch_op.drop_index('ix_household_states_tally')

    op.drop_table('household_states')
    with op.batch_alter_table('shelter_arrivals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shelter_arrivals_household_id'))
        batch_op.drop_index('ix_shelter_arrivals_event_unit')
        batch_op.drop_index('ix_shelter_arrivals_event_shelter')

    op.drop_table('shelter_arrivals')
    with op.batch_alter_table('relocation_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relocation_reports_unit_id'))
        batch_op.drop_index(batch_op.f('ix_relocation_reports_person_id'))
        batch_op.drop_index('ix_relocation_reports_event_household')

    op.drop_table('relocation_reports')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_unit_tally')
        batch_op.drop_index(batch_op.f('ix_households_shelter_post_id'))

    op.drop_table('households')
