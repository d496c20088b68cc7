#ifndef SWIFT_DDP_CMPI_SHIM_H
#define SWIFT_DDP_CMPI_SHIM_H
#include <mpi.h>

// Open MPI's handles and constants are macros over global symbols, which Swift cannot
// import; these wrappers expose them as functions.
static inline MPI_Comm swiftddp_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype swiftddp_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype swiftddp_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype swiftddp_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype swiftddp_byte(void) { return MPI_BYTE; }
static inline MPI_Op swiftddp_op_sum(void) { return MPI_SUM; }
static inline MPI_Op swiftddp_op_max(void) { return MPI_MAX; }
static inline MPI_Op swiftddp_op_min(void) { return MPI_MIN; }
static inline void *swiftddp_in_place(void) { return MPI_IN_PLACE; }
static inline int swiftddp_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int swiftddp_success(void) { return MPI_SUCCESS; }

static inline MPI_Info swiftddp_info_null(void) { return MPI_INFO_NULL; }
static inline MPI_Comm swiftddp_comm_null(void) { return MPI_COMM_NULL; }
static inline int swiftddp_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline int swiftddp_undefined(void) { return MPI_UNDEFINED; }
static inline int swiftddp_mode_nocheck(void) { return MPI_MODE_NOCHECK; }
static inline MPI_Status *swiftddp_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Request swiftddp_request_null(void) { return MPI_REQUEST_NULL; }

// Makes failed calls on `comm` return an error code instead of aborting inside MPI, so the
// caller can turn the code into a message that names the rank.
static inline int swiftddp_set_errors_return(MPI_Comm comm) {
    return MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
}
#endif
