from scrubber.cli.main import entry

entry()
