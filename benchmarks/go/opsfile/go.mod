module gomapbench/opsfile

go 1.23
