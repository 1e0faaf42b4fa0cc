/* Names of vd_err_t values, as the KernelError variants are spelled. */
#include <veridian/types.h>

const char *vd_strerror(vd_err_t err)
{
	switch (err) {
	case VD_OK:
		return "Ok";
	case VD_ERR_INVALID_PARAMETER:
		return "InvalidParameter";
	case VD_ERR_NOT_FOUND:
		return "NotFound";
	case VD_ERR_PERMISSION_DENIED:
		return "PermissionDenied";
	case VD_ERR_OUT_OF_MEMORY:
		return "OutOfMemory";
	case VD_ERR_BUSY:
		return "Busy";
	case VD_ERR_TIMEOUT:
		return "Timeout";
	case VD_ERR_RESOURCE_EXHAUSTED:
		return "ResourceExhausted";
	case VD_ERR_INVALID_CAPABILITY:
		return "InvalidCapability";
	case VD_ERR_IPC_CLOSED:
		return "IpcError(Closed)";
	case VD_ERR_IPC_QUEUE_FULL:
		return "IpcError(QueueFull)";
	case VD_ERR_IPC_MSG_TOO_LARGE:
		return "IpcError(MessageTooLarge)";
	case VD_ERR_IPC_BAD_REPLY_TOKEN:
		return "IpcError(BadReplyToken)";
	case VD_ERR_IPC_PEER_DIED:
		return "IpcError(PeerDied)";
	case VD_ERR_MEM_ALREADY_MAPPED:
		return "MemoryError(AlreadyMapped)";
	case VD_ERR_MEM_NOT_MAPPED:
		return "MemoryError(NotMapped)";
	case VD_ERR_MEM_BAD_ADDRESS:
		return "MemoryError(BadAddress)";
	case VD_ERR_MEM_DOUBLE_FREE:
		return "MemoryError(DoubleFree)";
	case VD_ERR_MEM_FAULT:
		return "MemoryError(Fault)";
	}
	return "UnknownError";
}
