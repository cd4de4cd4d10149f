module gomaporacle/syncmap124

go 1.24
