"""Locust users for bench/soak.py: mixed portal and desk traffic through the JSON API, each caller with its bearer
token (SOAK_TOKENS, JSON {"staff", "person", "employer"}, made by bench/soak.py from the demo). Weights: people read
their own record most (the portal), units their employees and contributions, the desk its own transactions,
transfers and statistics."""

import json
import os

from locust import HttpUser, constant_throughput, task

TOKENS = json.loads(os.environ.get("SOAK_TOKENS", "{}"))
RATE = float(os.environ.get("SOAK_USER_RATE", "1"))  # requests per second per user


class _Caller(HttpUser):
    abstract = True
    wait_time = constant_throughput(RATE)
    token = ""

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKENS[self.token]}"

    def get(self, path: str, name: str | None = None) -> None:
        with self.client.get(path, name=name or path, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")


class Person(_Caller):
    weight = 5
    token = "person"

    @task(4)
    def record(self):
        self.get("/api/me/record")

    @task(2)
    def account(self):
        self.get("/api/me/account")

    @task(1)
    def reads(self):
        self.get("/api/me/reads")

    @task(1)
    def transfers(self):
        self.get("/api/me/transfers")

    @task(1)
    def estimate(self):
        self.get("/api/me/estimate?growth=0.03&category=female55", name="/api/me/estimate")  # the demo worker


class Employer(_Caller):
    weight = 2
    token = "employer"

    @task(2)
    def employees(self):
        self.get("/api/employer/employees")

    @task(2)
    def contributions(self):
        self.get("/api/employer/contributions")

    @task(1)
    def account(self):
        self.get("/api/employer/account")


class Desk(_Caller):
    weight = 3
    token = "staff"

    @task(3)
    def mine(self):
        self.get("/api/transactions/mine")

    @task(2)
    def transfers(self):
        self.get("/api/transfers")

    @task(1)
    def stats(self):
        self.get("/api/stats?by=region,year&measure=persons", name="/api/stats")
