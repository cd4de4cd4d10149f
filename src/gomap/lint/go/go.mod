module gomaplint

go 1.27
