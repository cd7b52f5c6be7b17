"""Model instances read by hand-written SQL, for the few queries every page asks (who is signed in
and their roles; the return or plan a page is about) where Django building and compiling the query
costs more than the database answering it: about 0.5-1.5 ms of Python against 0.1-0.6 ms of
PostgreSQL.

The SQL names each model's columns with `Columns(model, alias).sql`, and `fetch` makes of each row
what the ORM would have made: for each `Columns`, the instance (every concrete field, or those
named in `only`, each value through the database's and the field's own converters: a date or a
decimal on SQLite, a JSON field; made by `Model.from_db`), or with `values=True` the converted
values alone. The columns come from the model, so a new field is read without a change here."""

from django.db import DEFAULT_DB_ALIAS, connections


class Columns:
    """The concrete fields of `model` (or only those named by attname, in that order), selected
    from the table alias `alias`."""

    def __init__(self, model, alias, only=None):
        self.model = model
        if only is None:
            self.fields = list(model._meta.concrete_fields)
        else:
            by_attname = {field.attname: field for field in model._meta.concrete_fields}
            self.fields = [by_attname[name] for name in only]
        self.names = [field.attname for field in self.fields]
        self.sql = ", ".join(f'{alias}."{field.column}"' for field in self.fields)
        pk = model._meta.pk.attname
        self._pk = self.names.index(pk) if pk in self.names else None
        # `Model.from_db` takes a subset of the fields in the model's own order.
        position = {field.attname: i for i, field in enumerate(model._meta.concrete_fields)}
        self._model_order = sorted(range(len(self.fields)), key=lambda i: position[self.names[i]])
        self._alias = alias
        self._converters = {}

    def __len__(self):
        return len(self.fields)

    def values(self, row, start=0, db=None):
        """The values of `row[start:start + len(self)]`, converted as the ORM converts them."""
        db = db or connections[DEFAULT_DB_ALIAS]
        return _convert(row[start : start + len(self.fields)], self._converters_of(db), db)

    def read(self, row, start=0, db=None):
        """The instance made of `row[start:start + len(self)]` (the fields not selected deferred,
        as with `only()`); None when its primary key is NULL (the empty side of a LEFT JOIN)."""
        if self._pk is not None and row[start + self._pk] is None:
            return None
        db = db or connections[DEFAULT_DB_ALIAS]
        values = self.values(row, start, db)
        names = [self.names[i] for i in self._model_order]
        return self.model.from_db(db.alias, names, [values[i] for i in self._model_order])

    def _converters_of(self, db):
        """[(position, converters, column)], as the ORM's compiler applies them (per backend)."""
        if db.vendor not in self._converters:
            found = []
            for i, field in enumerate(self.fields):
                column = field.get_col(self._alias)
                converters = db.ops.get_db_converters(column) + field.get_db_converters(db)
                if converters:
                    found.append((i, converters, column))
            self._converters[db.vendor] = found
        return self._converters[db.vendor]


def fetch(sql, params, *parts, values=False):
    """Each row of `sql`: a list of, for each of `parts` (the `Columns` it selects first, in
    order), its instance, then any further columns as they come; or with `values` the row's values
    as they come, those of `parts` converted (a tuple when nothing needs converting)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of `connection` looks it up again
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if values:
        return _converted(rows, parts, db)
    result = []
    for row in rows:
        items, start = [], 0
        for part in parts:
            items.append(part.read(row, start, db))
            start += len(part)
        items.extend(row[start:])
        result.append(items)
    return result


def _converted(rows, parts, db):
    """`rows` with the values of `parts` converted, as the ORM's compiler converts them."""
    converters, start = [], 0
    for part in parts:
        converters += [(start + i, *rest) for i, *rest in part._converters_of(db)]
        start += len(part)
    if not converters:
        return rows
    return [_convert(row, converters, db) for row in rows]


def _convert(row, converters, db):
    """`row` as a list, each value at a position of `converters` ([(position, functions,
    column)]) passed through its functions."""
    row = list(row)
    for i, functions, expression in converters:
        value = row[i]
        for function in functions:
            value = function(value, expression, db)
        row[i] = value
    return row


def table(model):
    """`model`'s table name, quoted as the ORM quotes it."""
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(model._meta.db_table)
