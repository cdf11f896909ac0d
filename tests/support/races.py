"""Several people (or one person's several clicks) posting at the same moment, through the real
views: one thread, test client and database connection each, released together by a barrier.
The transactions really commit, so tests that use this are `transaction=True` ones."""

import threading

from django.db import connection
from django.test import Client

from accounts.models import User


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_at_once(
    posts: list[tuple[Client, str, dict[str, str]]], headers: dict[str, str] | None = None
) -> list[int | str]:
    """Each (client, path, data) posted in its own thread at once; each response's status code,
    or what the view raised instead, as text."""
    barrier = threading.Barrier(len(posts))
    outcomes: list[int | str] = ["no answer"] * len(posts)

    def run(index: int, client: Client, path: str, data: dict[str, str]) -> None:
        try:
            connection.ensure_connection()  # connect first, so all start on the barrier
            barrier.wait(timeout=30)
            outcomes[index] = client.post(path, data, headers=headers or {}).status_code
        except BaseException as error:  # reported to the test, which asserts on it
            outcomes[index] = repr(error)
        finally:
            connection.close()

    # The main thread's connection goes back first: with PostgreSQL's pool, ten threads need
    # ten connections at once.
    connection.close()
    threads = [
        threading.Thread(target=run, args=(index, *post)) for index, post in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing request hung"
    return outcomes
