#include "model/record.h"

#include <ostream>

namespace lode {

std::ostream& operator<<(std::ostream& out, const LineBytes& line) { return out << line.view(); }

}  // namespace lode
