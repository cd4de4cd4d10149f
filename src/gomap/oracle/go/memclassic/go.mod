module gomaporacle/memclassic

go 1.23
