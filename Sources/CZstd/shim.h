// The Zstandard one-shot API, used only by PlazaParquet's page codecs.
#include <zstd.h>
