import GRDBSQLite
print("x")
