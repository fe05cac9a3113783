"""The layout zoo: whole plans written for the tests, the media users bring them in, and gold
read by hand (see tests/test_zoo.py and benchmarks/zoo.py)."""
