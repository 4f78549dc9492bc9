from uuid import uuid4

from domain.classrooms import Classroom
from domain.events import ClassJoined
from domain.users import Identity, Role
from tests.factories import ClassroomFactory


def test_enrolling_twice_keeps_one_entry_and_reports_no_change():
    classroom = ClassroomFactory.build()
    student = uuid4()
    assert classroom.enroll(student) is True
    assert classroom.enroll(student) is False
    assert classroom.student_ids == [student]


def test_enrolment_keeps_order():
    classroom = ClassroomFactory.build()
    students = [uuid4() for _ in range(3)]
    for student in students:
        classroom.enroll(student)
    assert classroom.student_ids == students


def test_a_class_is_visible_to_its_teacher_and_enrolled_students_only():
    classroom = ClassroomFactory.build()
    enrolled = uuid4()
    classroom.enroll(enrolled)
    assert classroom.is_visible_to(Identity(classroom.teacher_id, Role.TEACHER))
    assert classroom.is_visible_to(Identity(enrolled, Role.STUDENT))
    assert not classroom.is_visible_to(Identity(uuid4(), Role.TEACHER))
    assert not classroom.is_visible_to(Identity(uuid4(), Role.STUDENT))
    # A teacher id enrolled as if a student does not make the teacher see it as a student.
    assert not classroom.is_visible_to(Identity(classroom.teacher_id, Role.STUDENT))


def test_a_new_class_and_each_new_enrolment_are_recorded_once():
    teacher, student = uuid4(), uuid4()
    classroom = Classroom.create(uuid4(), "Maths", teacher)
    classroom.enroll(student)
    classroom.enroll(student)
    assert classroom.events == [
        ClassJoined(classroom.id, teacher),
        ClassJoined(classroom.id, student),
    ]
