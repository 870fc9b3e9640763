"""frictionless's foreign-key lookups read once per process and shared by every table that refers to the same key."""
from __future__ import annotations

import pickle
from typing import Callable

# frictionless builds a table's foreign-key lookups (the set of each referenced table's key values) when it opens
# the table, by reading each referenced table whole: the claims of a 1M package were read once for each of the
# five tables that refer to a claim. The method is private; with another frictionless it may be gone, and then the
# check reads each lookup as frictionless does (tests/test_package_frictionless.py holds the locked one to it).
OPEN_LOOKUP = "_TableResource__open_lookup"
LOOKUP = "_TableResource__lookup"

_read: dict[tuple, set] = {}
_preloaded: set[str] = set()


def share_lookups() -> bool:
    """From now on in this process, each lookup is read once: by the first table to need it, the same set given to
    each table after it. For a process that checks tables of one package, whose files do not change meanwhile.
    False when this frictionless has no such method to share through."""
    from frictionless.resources.table import TableResource

    read_lookups = getattr(TableResource, OPEN_LOOKUP, None)
    if read_lookups is None:
        return False
    if not getattr(read_lookups, "shared", False):
        setattr(TableResource, OPEN_LOOKUP, _shared(read_lookups))
    return True


def write_references(descriptor: dict, basepath: str, name: str, path: str) -> str | None:
    """In a child process: the lookups that table name's foreign keys need, read once as frictionless reads them
    and pickled to path, for the processes that check the table's rows to preload; path. None when this
    frictionless has no lookups to share, or when frictionless cannot read them: each process then reads them
    itself, and its report says why, as one process's does. Any other error is raised, as in one process."""
    from frictionless import FrictionlessException, Package
    from frictionless.resources.table import TableResource

    if not share_lookups():
        return None
    resource = Package(descriptor, basepath=basepath).get_resource(name)
    try:
        getattr(TableResource, OPEN_LOOKUP)(resource)
    except FrictionlessException:
        return None
    wanted = {(key["reference"]["resource"] or name, tuple(key["reference"]["fields"]))
              for key in resource.schema.foreign_keys}
    found = {(table, columns): values for (base, table, columns), values in _read.items()
             if base == resource.basepath and (table, columns) in wanted}
    with open(path, "wb") as handle:
        pickle.dump(found, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def preload(path: str, basepath: str) -> None:
    """Lookups read already, from a pickle of {(table, columns): set of value tuples} (parts.write_lookups), given to
    the tables of the package at basepath that refer to them, as if read by the first of them; once per process."""
    if path in _preloaded:
        return
    with open(path, "rb") as handle:
        found = pickle.load(handle)
    _read.update({(basepath, table, columns): values for (table, columns), values in found.items()})
    _preloaded.add(path)


def _shared(read_lookups: Callable) -> Callable:
    from frictionless.table.lookup import Lookup

    def open_lookup(resource) -> None:
        foreign_keys = resource.schema.foreign_keys
        lookup = Lookup()
        try:
            for foreign_key in foreign_keys:
                source, fields = foreign_key["reference"]["resource"], tuple(foreign_key["reference"]["fields"])
                key = (resource.basepath, source or resource.name, fields)
                if key not in _read:
                    resource.schema.foreign_keys = [foreign_key]
                    read_lookups(resource)
                    _read[key] = getattr(resource, LOOKUP)[source][fields]
                lookup.setdefault(source, {})[fields] = _read[key]
        finally:
            resource.schema.foreign_keys = foreign_keys
        setattr(resource, LOOKUP, lookup)

    open_lookup.shared = True
    return open_lookup
