module gomaporacle/swiss

go 1.27
