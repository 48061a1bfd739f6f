"""calls (叫应), their targets and escalations, the notification outbox, warnings in; people.email, alerts.call_id

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:04:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=200), nullable=True),
    sa.Column('identifier', sa.String(length=200), nullable=True),
    sa.Column('headline', sa.Text(), nullable=False),
    sa.Column('event', sa.String(length=200), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('proposed_level', sa.Integer(), nullable=False),
    sa.Column('onset', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unit_ids', sa.JSON(), nullable=False),
    sa.Column('post_ids', sa.JSON(), nullable=False),
    sa.Column('polygons', sa.JSON(), nullable=False),
    sa.Column('identities', sa.JSON(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('updates', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_warnings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warnings'))
    )
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warnings_identifier'), ['identifier'], unique=False)
        batch_op.create_index(batch_op.f('ix_warnings_unit_id'), ['unit_id'], unique=False)

    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('warning_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('targets', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_calls_created_by_users')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_calls_event_id_events')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_calls_unit_id_units')),
    sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], name=op.f('fk_calls_warning_id_warnings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_warning_id'), ['warning_id'], unique=False)

    op.create_table('call_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('accuracy_m', sa.Double(), nullable=True),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('within_fence', sa.Boolean(), nullable=True),
    sa.Column('distance_m', sa.Double(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_call_targets_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_targets_call_id_calls')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_call_targets_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_targets')),
    sa.UniqueConstraint('call_id', 'person_id', name='uq_call_targets_call_person'),
    sa.UniqueConstraint('client_id', name=op.f('uq_call_targets_client_id'))
    )
    with op.batch_alter_table('call_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_targets_call_id'), ['call_id'], unique=False)
        batch_op.create_index('ix_call_targets_person_open', ['person_id', 'answered_at'], unique=False)

    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('leaders', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_escalations_alert_id_alerts')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_escalations_call_id_calls')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_escalations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
    sa.UniqueConstraint('alert_id', 'level', name='uq_escalations_alert_level'),
    sa.UniqueConstraint('call_id', 'unit_id', name='uq_escalations_call_unit')
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_call_id'), ['call_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('cause', sa.String(length=12), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_notifications_alert_id_alerts')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_notifications_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_notifications_call_id_calls')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_notifications_event_id_events')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notifications_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_call_id'), ['call_id'], unique=False)
        batch_op.create_index('ix_notifications_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('call_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_alerts_call_id_calls'), 'calls', ['call_id'], ['id'])

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alerts_call_id_calls'), type_='foreignkey')
        batch_op.drop_column('call_id')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_person_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_event_id'))
        batch_op.drop_index('ix_notifications_due')
        batch_op.drop_index(batch_op.f('ix_notifications_call_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_call_id'))
        batch_op.drop_index(batch_op.f('ix_escalations_alert_id'))

    op.drop_table('escalations')
    with op.batch_alter_table('call_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_call_targets_person_open')
        batch_op.drop_index(batch_op.f('ix_call_targets_call_id'))

    op.drop_table('call_targets')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_warning_id'))
        batch_op.drop_index(batch_op.f('ix_calls_unit_id'))
        batch_op.drop_index(batch_op.f('ix_calls_event_id'))
        batch_op.drop_index(batch_op.f('ix_calls_deadline_at'))

    op.drop_table('calls')
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warnings_unit_id'))
        batch_op.drop_index(batch_op.f('ix_warnings_identifier'))

    op.drop_table('warnings')
