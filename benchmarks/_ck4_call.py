import os, sys
import cases
case = sys.argv[1]; provider = case.split('_', 1)[1]
call = getattr(cases, 'make_' + case)(cases.mock_transport(provider))
os.getppid()
call()
os.getppid()
