"""Script text for tests that run the generator in a fresh process: it counts the forks taken
(`forks`, the children's pids). A fresh process because pytest may run threads, and a threaded
caller never forks (fork.allowed)."""

COUNT_FORKS = """
import os

forks = []
real_fork = os.fork

def counting_fork():
    pid = real_fork()
    if pid:
        forks.append(pid)
    return pid

os.fork = counting_fork
"""
