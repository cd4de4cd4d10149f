module gomaporacle/syncmap123

go 1.23
