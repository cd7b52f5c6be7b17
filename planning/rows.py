"""Model instances read by hand-written SQL, for the few queries every page asks (who is signed in
and their roles; the return a page is about) where Django building and compiling the query costs
more than the database answering it: about 0.5-1.5 ms of Python against 0.1-0.6 ms of PostgreSQL.

The SQL names each model's columns with `Columns(model, alias).sql`, and `Columns.read` makes the
instance the ORM would have made from its part of a row: every concrete field, each value through
the database's and the field's own converters (a date or a decimal on SQLite, a JSON field), by
`Model.from_db`. The columns come from the model, so a new field is read without a change here."""

from django.db import connection


class Columns:
    """The concrete fields of `model`, selected from the table (or alias) `alias`."""

    def __init__(self, model, alias):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.names = [field.attname for field in self.fields]
        self.sql = ", ".join(f'{alias}."{field.column}"' for field in self.fields)
        self._pk = self.names.index(model._meta.pk.attname)
        self._alias = alias
        self._converters = {}

    def __len__(self):
        return len(self.fields)

    def read(self, row, start=0):
        """The instance made of `row[start:start + len(self)]`; None when its primary key is NULL
        (the empty side of a LEFT JOIN)."""
        values = list(row[start : start + len(self.fields)])
        if values[self._pk] is None:
            return None
        for i, (converters, expression) in self._converters_of(connection).items():
            value = values[i]
            for converter in converters:
                value = converter(value, expression, connection)
            values[i] = value
        return self.model.from_db(connection.alias, self.names, values)

    def _converters_of(self, db):
        """{position: (converters, column)}, as the ORM's compiler applies them (per backend)."""
        if db.vendor not in self._converters:
            found = {}
            for i, field in enumerate(self.fields):
                column = field.get_col(self._alias)
                converters = db.ops.get_db_converters(column) + field.get_db_converters(db)
                if converters:
                    found[i] = (converters, column)
            self._converters[db.vendor] = found
        return self._converters[db.vendor]
