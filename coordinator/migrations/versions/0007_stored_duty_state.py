"""stored duty state per assignment, built from the fixes already recorded

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:40:00
"""

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from coordinator.models.base import UTCDateTime
from coordinator.services import duty_rule, duty_state

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BATCH = 500

checkins = sa.table(
    'checkins', sa.column('id', sa.Integer), sa.column('assignment_id', sa.Integer),
    sa.column('post_id', sa.Integer), sa.column('kind', sa.String),
    sa.column('taken_at', UTCDateTime), sa.column('within_fence', sa.Boolean),
    sa.column('distance_m', sa.Float), sa.column('accuracy_m', sa.Float),
    sa.column('review_verdict', sa.String), sa.column('lat', sa.Float), sa.column('lon', sa.Float))
posts = sa.table('posts', sa.column('id', sa.Integer), sa.column('radius_m', sa.Float))
assignments = sa.table('assignments', sa.column('id', sa.Integer))


def upgrade() -> None:
    table = op.create_table('duty_states',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('ever_on_duty', sa.Boolean(), nullable=False),
    sa.Column('outside_run', sa.Integer(), nullable=False),
    sa.Column('checked_out', sa.Boolean(), nullable=False),
    sa.Column('last_checkin_id', sa.Integer(), nullable=True),
    sa.Column('last_taken_at', UTCDateTime(), nullable=True),
    sa.Column('last_lat', sa.Double(), nullable=True),
    sa.Column('last_lon', sa.Double(), nullable=True),
    sa.Column('last_on_duty_checkin_id', sa.Integer(), nullable=True),
    sa.Column('last_on_duty_at', UTCDateTime(), nullable=True),
    sa.Column('last_on_duty_lat', sa.Double(), nullable=True),
    sa.Column('last_on_duty_lon', sa.Double(), nullable=True),
    sa.Column('first_on_duty_at', UTCDateTime(), nullable=True),
    sa.Column('span_start', UTCDateTime(), nullable=True),
    sa.Column('spans', sa.JSON(), nullable=False),
    sa.Column('checked_out_at', UTCDateTime(), nullable=True),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_duty_states_assignment_id_assignments')),
    sa.PrimaryKeyConstraint('assignment_id', name=op.f('pk_duty_states'))
    )
    # Every assignment with fixes gets the state the rule folds from them (none: no row, which
    # reads as the rule's start).
    connection = op.get_bind()
    now = datetime.now(UTC)
    ids = [row.id for row in connection.execute(
        sa.select(assignments.c.id).order_by(assignments.c.id))]
    fix_columns = (checkins.c.assignment_id, checkins.c.id, checkins.c.kind, checkins.c.taken_at,
                   checkins.c.within_fence, checkins.c.distance_m, checkins.c.accuracy_m,
                   posts.c.radius_m, checkins.c.review_verdict, checkins.c.lat, checkins.c.lon)
    for index in range(0, len(ids), BATCH):
        batch = ids[index:index + BATCH]
        fixes = defaultdict(list)
        for row in connection.execute(
                sa.select(*fix_columns).join(posts, posts.c.id == checkins.c.post_id)
                .where(checkins.c.assignment_id.in_(batch))
                .order_by(checkins.c.assignment_id, checkins.c.taken_at, checkins.c.id)):
            fixes[row.assignment_id].append(duty_rule.Fix(*row))
        rows = [{"assignment_id": a, **duty_state.values_of(duty_rule.fold(f, in_order=True)),
                 "updated_at": now} for a, f in fixes.items()]
        if rows:
            connection.execute(table.insert(), rows)


def downgrade() -> None:
    op.drop_table('duty_states')
