"""The benchmark's data: users and classes written straight into the spec's tables (no bcrypt
per user), and tokens minted with the shared secret."""

import time
import uuid

import asyncpg
import bcrypt
import httpx
import jwt
from harness import JWT_SECRET

PASSWORD = "bench-password-1"


def token(user_id: str, role: str) -> str:
    claims = {"userId": user_id, "role": role, "exp": int(time.time()) + 3600}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


class Dataset:
    """Users and classes written straight into the spec's tables."""

    def __init__(self, base_url: str, database_url: str) -> None:
        self.base_url = base_url
        self.database_url = database_url
        self.password_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()
        self.teacher_email = f"bench-teacher-{uuid.uuid4().hex[:8]}@example.com"
        self.teacher_id = ""
        self.teacher_token = ""
        self.student_ids: list[str] = []

    async def create(self, students: int) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            created = await http.post(
                "/auth/signup",
                json={
                    "name": "Bench Teacher",
                    "email": self.teacher_email,
                    "password": PASSWORD,
                    "role": "teacher",
                },
            )
            created.raise_for_status()
            self.teacher_id = created.json()["data"]["id"]
        self.teacher_token = token(self.teacher_id, "teacher")
        connection = await asyncpg.connect(self.database_url)
        try:
            rows = await connection.fetch(
                "INSERT INTO users (id, name, email, password, role) "
                "SELECT gen_random_uuid(), 'Student ' || i, "
                "'bench-' || $3 || '-' || i || '@example.com', $1, 'student' "
                "FROM generate_series(1, $2) AS i RETURNING id",
                self.password_hash,
                students,
                uuid.uuid4().hex[:8],
            )
        finally:
            await connection.close()
        self.student_ids = [str(row["id"]) for row in rows]

    async def make_class(self, students: list[str]) -> str:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            created = await http.post(
                "/class",
                json={"className": f"Bench {len(students)}"},
                headers={"Authorization": self.teacher_token},
            )
            created.raise_for_status()
            class_id = created.json()["data"]["id"]
        connection = await asyncpg.connect(self.database_url)
        try:
            # ARRAY(...) of uuid is assigned to uuid[] or text[], whichever the target keeps.
            await connection.execute(
                "UPDATE classes SET student_ids = ARRAY(SELECT unnest($2::uuid[])) WHERE id = $1",
                uuid.UUID(class_id),
                [uuid.UUID(s) for s in students],
            )
        finally:
            await connection.close()
        return class_id

    async def start_session(self, class_id: str) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            started = await http.post(
                "/attendance/start",
                json={"classId": class_id},
                headers={"Authorization": self.teacher_token},
            )
            started.raise_for_status()
