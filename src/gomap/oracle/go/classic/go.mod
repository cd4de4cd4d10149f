module gomaporacle/classic

go 1.23
