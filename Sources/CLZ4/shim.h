// The liblz4 block API, the only LZ4 interface Plaza uses (Formats/plaza-file-format.md, LZ4 block).
#include <lz4.h>
