-- Attendance (SPEC section 3 rule 7): a session has attendance data once anyone is marked
-- present or a participant report is imported for it (an absent mark alone says nothing
-- about the others). Only then can an unmarked
-- booking become a no-show: never accuse on missing data.
ALTER TABLE sessions ADD COLUMN attendance INTEGER NOT NULL DEFAULT 0;
