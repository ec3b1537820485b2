"""Prints where `make install` puts the Python package for a prefix: the directory the python3
running this searches for that prefix's packages.

    python3 cmake/pythondir.py PREFIX

Debian's python3 reads /usr/lib/python3/dist-packages (scheme deb_system) and
/usr/local/lib/python3.X/dist-packages (scheme posix_local, whose base is /usr). Any other prefix
gets the interpreter's own layout (PREFIX/lib/python3.X/site-packages), which that python3 reads
once PYTHONPATH names it.
"""
import os
import sys
import sysconfig


def pythondir(prefix):
    prefix = os.path.normpath(prefix)
    base = os.path.normpath(sys.base_prefix)
    schemes = sysconfig.get_scheme_names()
    if prefix == base and "deb_system" in schemes:
        return sysconfig.get_path("purelib", "deb_system", vars={"base": prefix})
    if prefix == os.path.join(base, "local") and "posix_local" in schemes:
        return sysconfig.get_path("purelib", "posix_local", vars={"base": base})
    return sysconfig.get_path("purelib", "posix_prefix", vars={"base": prefix, "platbase": prefix})


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: pythondir.py PREFIX")
    print(pythondir(sys.argv[1]))
