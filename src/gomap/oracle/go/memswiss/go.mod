module gomaporacle/memswiss

go 1.27
